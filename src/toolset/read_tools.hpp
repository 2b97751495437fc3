#pragma once
// The five read-only tools: pure functions over the immutable catalog.
#include <boost/json/object.hpp>

#include "catalog/catalog.hpp"
#include "toolset/tool_result.hpp"

namespace mamute::toolset {

// Tool definitions (name, title, description, inputSchema{type: object}, annotations) for tools/list.
boost::json::object list_specs_definition();
boost::json::object list_endpoints_definition();
boost::json::object search_endpoints_definition();
boost::json::object get_endpoint_definition();
boost::json::object get_server_variables_definition();

ToolResult list_specs(const catalog::Catalog& catalog, const boost::json::object& args);
ToolResult list_endpoints(const catalog::Catalog& catalog, const boost::json::object& args);
ToolResult search_endpoints(const catalog::Catalog& catalog, const boost::json::object& args);
ToolResult get_endpoint(const catalog::Catalog& catalog, const boost::json::object& args);
ToolResult get_server_variables(const catalog::Catalog& catalog, const boost::json::object& args);

}  // namespace mamute::toolset
