#include "toolset/tool_result.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "catalog/text.hpp"

namespace mamute::toolset {

namespace json = boost::json;

json::object ToolResult::to_json() const& { return ToolResult(*this).to_json(); }

json::object ToolResult::to_json() && {
    json::object out;
    out.reserve(3);
    out.emplace("content", std::move(content));
    if (structured_content) out.emplace("structuredContent", std::move(*structured_content));
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

json::object image_content(std::string base64_data, std::string mime_type) {
    return json::object{{"type", "image"}, {"data", std::move(base64_data)}, {"mimeType", std::move(mime_type)}};
}

ToolResult error_result(std::string message) {
    auto result = text_result(std::move(message));
    result.is_error = true;
    return result;
}

std::vector<std::string> argument_names(const json::object& definition) {
    std::vector<std::string> out;
    const auto* schema = definition.if_contains("inputSchema");
    const auto* properties = schema && schema->is_object() ? schema->get_object().if_contains("properties") : nullptr;
    if (properties && properties->is_object())
        for (const auto& [name, ignored] : properties->get_object()) out.emplace_back(name);
    return out;
}

std::optional<std::string> unknown_arguments(const json::object& args, std::string_view tool,
                                             const std::vector<std::string>& accepted) {
    constexpr std::size_t max_listed = 10;
    std::string unknown;
    std::size_t count = 0;
    for (const auto& [name, ignored] : args) {
        if (std::find(accepted.begin(), accepted.end(), std::string_view(name)) != accepted.end()) continue;
        if (++count <= max_listed) unknown += (unknown.empty() ? "\"" : ", \"") + catalog::shorten(name, 100) + "\"";
    }
    if (count == 0) return std::nullopt;
    if (count > max_listed) unknown += " and " + std::to_string(count - max_listed) + " more";
    std::string message = (count == 1 ? "unknown argument " : "unknown arguments ") + unknown;
    if (accepted.empty()) return message + ": " + std::string(tool) + " takes no arguments";
    std::string listed;
    for (const auto& name : accepted) listed += (listed.empty() ? "" : ", ") + name;
    return message + "; " + std::string(tool) + " accepts: " + listed;
}

}  // namespace mamute::toolset
