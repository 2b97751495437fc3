#pragma once
// An MCP CallToolResult under construction.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "upstream/http_types.hpp"

namespace mamute::toolset {

struct ToolResult {
    boost::json::array content;
    std::optional<boost::json::object> structured_content;
    bool is_error = false;

    boost::json::object to_json() const&;
    // Moves the content out: the dispatcher turns a result into JSON once, and its text can be large.
    boost::json::object to_json() &&;
};

ToolResult text_result(std::string text);
// A structured result (MCP 2025-06-18): structuredContent is the object, and the one text item is the same
// object serialised as compact JSON, for clients that read only text. Both always agree.
ToolResult structured_result(boost::json::object value);
// An MCP image content item ({type: "image", data, mimeType}), appended to a result's content after its
// text item: clients show it to the model as a picture, which base64 inside JSON text never is.
boost::json::object image_content(std::string base64_data, std::string mime_type);
// isError result with a message an agent can act on: text only, no structuredContent (a tool's outputSchema
// describes its successful results).
ToolResult error_result(std::string message);

// The property names of a tool definition's inputSchema, in order: the arguments the tool accepts.
std::vector<std::string> argument_names(const boost::json::object& definition);
// The inputSchemas say additionalProperties: false, so an argument they do not list is an error (a typo
// silently ignored would change the call's meaning): the message names the unknown arguments and lists
// the accepted ones. nullopt when every argument is known.
std::optional<std::string> unknown_arguments(const boost::json::object& args, std::string_view tool,
                                             const std::vector<std::string>& accepted);

// What a tool call knows about the MCP request it came from.
struct CallContext {
    // Credential headers (X-API-Key, Authorization) sent with the MCP HTTP request; forwarded only
    // to the servers of the spec being called, never logged, never echoed.
    upstream::HeaderList credentials;
    std::string request_id;
};

}  // namespace mamute::toolset
