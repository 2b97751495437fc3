#pragma once
// execute-request: validates the call against the spec, builds the request and makes the live call.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "catalog/catalog.hpp"
#include "config/config.hpp"
#include "toolset/tool_result.hpp"
#include "upstream/client.hpp"

namespace mamute::toolset {

boost::json::object execute_request_definition();

boost::asio::awaitable<ToolResult> execute_request(const catalog::Catalog& catalog, const upstream::Client& client,
                                                   const config::UpstreamConfig& config,
                                                   const boost::json::object& args, const CallContext& context);

}  // namespace mamute::toolset
