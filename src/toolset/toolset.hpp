#pragma once
// The six tools behind tools/list and tools/call: thin glue between MCP and catalog/upstream.
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string_view>

#include "catalog/catalog.hpp"
#include "config/config.hpp"
#include "observability/metrics.hpp"
#include "toolset/tool_result.hpp"
#include "upstream/client.hpp"

namespace mamute::toolset {

class Toolset {
public:
    // Without `metrics` the toolset keeps its own (calls are always counted, nobody reads them).
    Toolset(std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<const upstream::Client> client,
            config::UpstreamConfig upstream_config, std::shared_ptr<observability::Metrics> metrics = nullptr);

    const boost::json::array& definitions() const { return definitions_; }
    bool has(std::string_view name) const;

    // The caller checks has(name) first: an unknown tool is a protocol error, not a tool result.
    boost::asio::awaitable<ToolResult> call(std::string_view name, const boost::json::object& args,
                                            const CallContext& context) const;

private:
    boost::asio::awaitable<ToolResult> dispatch(std::string_view name, const boost::json::object& args,
                                                const CallContext& context) const;

    std::shared_ptr<const catalog::Catalog> catalog_;
    std::shared_ptr<const upstream::Client> client_;
    config::UpstreamConfig upstream_config_;
    std::shared_ptr<observability::Metrics> metrics_;
    boost::json::array definitions_;
};

}  // namespace mamute::toolset
