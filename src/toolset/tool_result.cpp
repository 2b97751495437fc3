#include "toolset/tool_result.hpp"

#include <boost/json/serialize.hpp>

namespace mamute::toolset {

namespace json = boost::json;

json::object ToolResult::to_json() const {
    json::object out;
    out["content"] = content;
    if (structured_content) out["structuredContent"] = *structured_content;
    if (is_error) out["isError"] = true;
    return out;
}

ToolResult text_result(std::string text) {
    ToolResult result;
    result.content.push_back(json::object{{"type", "text"}, {"text", std::move(text)}});
    return result;
}

ToolResult structured_result(json::object value) {
    auto result = text_result(json::serialize(value));
    result.structured_content = std::move(value);
    return result;
}

ToolResult error_result(std::string message) {
    auto result = text_result(std::move(message));
    result.is_error = true;
    return result;
}

}  // namespace mamute::toolset
