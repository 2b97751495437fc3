#include "toolset/toolset.hpp"

#include <chrono>

#include "catalog/text.hpp"
#include "toolset/execute_request.hpp"
#include "toolset/read_tools.hpp"

namespace mamute::toolset {

namespace json = boost::json;

Toolset::Toolset(std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<const upstream::Client> client,
                 config::UpstreamConfig upstream_config, std::shared_ptr<observability::Metrics> metrics)
    : catalog_(std::move(catalog)),
      client_(std::move(client)),
      upstream_config_(std::move(upstream_config)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<observability::Metrics>()) {
    definitions_ = {list_specs_definition(),  list_endpoints_definition(),       search_endpoints_definition(),
                    get_endpoint_definition(), get_server_variables_definition(), execute_request_definition()};
}

bool Toolset::has(std::string_view name) const {
    for (const auto& tool : definitions_)
        if (tool.as_object().at("name").as_string() == name) return true;
    return false;
}

boost::asio::awaitable<ToolResult> Toolset::call(std::string_view name, const json::object& args,
                                                 const CallContext& context) const {
    // A cancelled call throws through here and is not counted: it has no outcome.
    const auto started = std::chrono::steady_clock::now();
    auto result = co_await dispatch(name, args, context);
    metrics_->tool_call(name, result.is_error, std::chrono::steady_clock::now() - started);
    co_return result;
}

boost::asio::awaitable<ToolResult> Toolset::dispatch(std::string_view name, const json::object& args,
                                                     const CallContext& context) const {
    if (name == "list-specs") co_return list_specs(*catalog_, args);
    if (name == "list-endpoints") co_return list_endpoints(*catalog_, args);
    if (name == "search-endpoints") co_return search_endpoints(*catalog_, args);
    if (name == "get-endpoint") co_return get_endpoint(*catalog_, args);
    if (name == "get-server-variables") co_return get_server_variables(*catalog_, args);
    if (name == "execute-request")
        co_return co_await execute_request(*catalog_, *client_, upstream_config_, args, context, metrics_.get());
    co_return error_result("unknown tool: " + catalog::shorten(name));
}

}  // namespace mamute::toolset
