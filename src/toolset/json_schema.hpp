#pragma once
// Small builders for the JSON Schemas in tool definitions (inputSchema, outputSchema), so the schemas
// read like the shapes they describe. Output schemas leave additionalProperties open: they promise the
// fields listed, not the absence of others.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string_view>

namespace mamute::toolset::schema {

inline boost::json::object typed(std::string_view type, std::string_view description = {}) {
    boost::json::object out{{"type", type}};
    if (!description.empty()) out["description"] = description;
    return out;
}

inline boost::json::object string(std::string_view description = {}) { return typed("string", description); }
inline boost::json::object integer(std::string_view description = {}) { return typed("integer", description); }
inline boost::json::object boolean(std::string_view description = {}) { return typed("boolean", description); }

// Any JSON value (no "type"): for data copied from the spec or the upstream API as it is.
inline boost::json::object any(std::string_view description) { return {{"description", description}}; }

inline boost::json::object array_of(boost::json::object items, std::string_view description = {}) {
    auto out = typed("array", description);
    out["items"] = std::move(items);
    return out;
}

inline boost::json::object object(boost::json::object properties, boost::json::array required = {},
                                  std::string_view description = {}) {
    auto out = typed("object", description);
    out["properties"] = std::move(properties);
    if (!required.empty()) out["required"] = std::move(required);
    return out;
}

// An object used as a map: any keys, each value matching `values`.
inline boost::json::object map_of(boost::json::object values, std::string_view description = {}) {
    auto out = typed("object", description);
    out["additionalProperties"] = std::move(values);
    return out;
}

}  // namespace mamute::toolset::schema
