#include "toolset/toolset.hpp"

#include "catalog/text.hpp"
#include "toolset/execute_request.hpp"
#include "toolset/read_tools.hpp"

namespace mamute::toolset {

namespace json = boost::json;

Toolset::Toolset(std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<const upstream::Client> client,
                 config::UpstreamConfig upstream_config)
    : catalog_(std::move(catalog)), client_(std::move(client)), upstream_config_(std::move(upstream_config)) {
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
    if (name == "list-specs") co_return list_specs(*catalog_, args);
    if (name == "list-endpoints") co_return list_endpoints(*catalog_, args);
    if (name == "search-endpoints") co_return search_endpoints(*catalog_, args);
    if (name == "get-endpoint") co_return get_endpoint(*catalog_, args);
    if (name == "get-server-variables") co_return get_server_variables(*catalog_, args);
    if (name == "execute-request")
        co_return co_await execute_request(*catalog_, *client_, upstream_config_, args, context);
    co_return error_result("unknown tool: " + catalog::shorten(name));
}

}  // namespace mamute::toolset
