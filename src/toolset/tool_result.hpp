#pragma once
// An MCP CallToolResult under construction.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "upstream/http_types.hpp"

namespace mamute::toolset {

struct ToolResult {
    boost::json::array content;
    std::optional<boost::json::object> structured_content;
    bool is_error = false;

    boost::json::object to_json() const;
};

ToolResult text_result(std::string text);
// The value serialised as compact JSON text.
ToolResult json_result(const boost::json::value& value);
// isError result with a message an agent can act on.
ToolResult error_result(std::string message);

// What a tool call knows about the MCP request it came from.
struct CallContext {
    // Credential headers (X-API-Key, Authorization) sent with the MCP HTTP request; forwarded only
    // to the servers of the spec being called, never logged, never echoed.
    upstream::HeaderList credentials;
    std::string request_id;
};

}  // namespace mamute::toolset
