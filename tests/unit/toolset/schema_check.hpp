#pragma once
// Test helpers for MCP structured tool output: a JSON Schema validator for the subset of keywords the
// tools' outputSchemas use, and a check that a result carries structuredContent matching the tool's
// outputSchema, with the text content equal to its serialisation.
//
// Supported: type (string or array of names), properties, required, additionalProperties (bool or
// schema), items, enum, minimum, maximum, plus the annotations description/title/default/examples.
// Any other keyword in a schema is reported as an error, so a schema that starts using one fails loudly
// here instead of being half-checked.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "toolset/tool_result.hpp"

namespace mamute::testing {

namespace schema_detail {

inline bool supported_keyword(std::string_view keyword) {
    static constexpr std::string_view known[] = {"type",    "properties", "required", "additionalProperties",
                                                 "items",   "enum",       "minimum",  "maximum",
                                                 "description", "title",  "default",  "examples"};
    for (auto k : known)
        if (keyword == k) return true;
    return false;
}

inline bool has_type(const boost::json::value& value, std::string_view type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_bool();
    if (type == "null") return value.is_null();
    if (type == "number") return value.is_number();
    if (type == "integer")
        return value.is_int64() || value.is_uint64() ||
               (value.is_double() && std::floor(value.get_double()) == value.get_double());
    return false;
}

inline double as_double(const boost::json::value& value) {
    if (value.is_int64()) return static_cast<double>(value.get_int64());
    if (value.is_uint64()) return static_cast<double>(value.get_uint64());
    return value.get_double();
}

inline void validate(const boost::json::value& value, const boost::json::value& schema_value, const std::string& at,
                     std::vector<std::string>& errors) {
    if (schema_value.is_bool()) {
        if (!schema_value.get_bool()) errors.push_back(at + ": not allowed (schema false)");
        return;
    }
    if (!schema_value.is_object()) {
        errors.push_back(at + ": schema is neither an object nor a boolean");
        return;
    }
    const auto& schema = schema_value.get_object();
    const auto where = at.empty() ? std::string("(root)") : at;
    for (const auto& [keyword, ignored] : schema)
        if (!supported_keyword(keyword))
            errors.push_back(where + ": unsupported schema keyword \"" + std::string(keyword) + "\"");

    if (const auto* type = schema.if_contains("type")) {
        bool ok = false;
        if (const auto* name = type->if_string()) ok = has_type(value, *name);
        else if (const auto* names = type->if_array())
            for (const auto& n : *names) ok = ok || (n.is_string() && has_type(value, n.get_string()));
        if (!ok) {
            errors.push_back(where + ": expected type " + boost::json::serialize(*type) + ", got " +
                             boost::json::serialize(value).substr(0, 80));
            return;  // the other keywords would only repeat the mismatch
        }
    }
    if (const auto* values = schema.if_contains("enum")) {
        bool found = false;
        for (const auto& v : values->as_array()) found = found || v == value;
        if (!found) errors.push_back(where + ": " + boost::json::serialize(value) + " not in enum " +
                                     boost::json::serialize(*values));
    }
    if (value.is_number()) {
        if (const auto* minimum = schema.if_contains("minimum"); minimum && as_double(value) < as_double(*minimum))
            errors.push_back(where + ": below minimum");
        if (const auto* maximum = schema.if_contains("maximum"); maximum && as_double(value) > as_double(*maximum))
            errors.push_back(where + ": above maximum");
    }
    if (const auto* object = value.if_object()) {
        if (const auto* required = schema.if_contains("required"))
            for (const auto& name : required->as_array())
                if (!object->contains(name.as_string()))
                    errors.push_back(where + ": missing required property \"" + std::string(name.as_string()) + "\"");
        const auto* properties = schema.if_contains("properties");
        const auto* additional = schema.if_contains("additionalProperties");
        for (const auto& [name, item] : *object) {
            const auto path = at + "/" + std::string(name);
            if (properties && properties->as_object().contains(name))
                validate(item, properties->as_object().at(name), path, errors);
            else if (additional)
                validate(item, *additional, path, errors);
        }
    }
    if (const auto* array = value.if_array()) {
        if (const auto* items = schema.if_contains("items"))
            for (std::size_t i = 0; i < array->size(); ++i)
                validate((*array)[i], *items, at + "/" + std::to_string(i), errors);
    }
}

}  // namespace schema_detail

// Every way `value` breaks `schema`, as "json/pointer: problem" lines; empty when it conforms.
inline std::vector<std::string> schema_errors(const boost::json::value& value, const boost::json::value& schema) {
    std::vector<std::string> errors;
    schema_detail::validate(value, schema, "", errors);
    return errors;
}

inline std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

// A tool definition's outputSchema must be an object schema (MCP: structuredContent is an object) built
// only from the supported keywords.
inline void check_output_schema(const boost::json::object& definition) {
    INFO("tool " << boost::json::serialize(definition.at("name")));
    REQUIRE(definition.contains("outputSchema"));
    const auto& schema = definition.at("outputSchema");
    REQUIRE(schema.is_object());
    CHECK(schema.at("type") == "object");
    // Results only reach the sub-schemas their data uses, so walk the schema itself: every nested schema
    // must use supported keywords, and "required" names must be declared properties.
    std::vector<std::string> errors;
    auto walk = [&](auto&& self, const boost::json::value& node, const std::string& at) -> void {
        if (node.is_bool()) return;
        REQUIRE(node.is_object());
        for (const auto& [keyword, ignored] : node.as_object())
            if (!schema_detail::supported_keyword(keyword))
                errors.push_back(at + ": unsupported schema keyword \"" + std::string(keyword) + "\"");
        if (const auto* required = node.as_object().if_contains("required")) {
            const auto* properties = node.as_object().if_contains("properties");
            for (const auto& name : required->as_array())
                if (!properties || !properties->as_object().contains(name.as_string()))
                    errors.push_back(at + ": required \"" + std::string(name.as_string()) + "\" is not a property");
        }
        if (const auto* properties = node.as_object().if_contains("properties"))
            for (const auto& [name, sub] : properties->as_object()) self(self, sub, at + "/properties/" + std::string(name));
        if (const auto* items = node.as_object().if_contains("items")) self(self, *items, at + "/items");
        if (const auto* more = node.as_object().if_contains("additionalProperties"))
            self(self, *more, at + "/additionalProperties");
    };
    walk(walk, schema, "");
    INFO(joined(errors));
    CHECK(errors.empty());
}

// A successful result of the tool `definition`: structuredContent present and valid against its
// outputSchema, one text item equal to the serialised structuredContent. Returns structuredContent.
inline boost::json::object structured_ok(const boost::json::object& definition, const toolset::ToolResult& result,
                                         bool expect_error = false) {
    INFO("tool " << boost::json::serialize(definition.at("name")) << ": " << boost::json::serialize(result.to_json()));
    REQUIRE(result.is_error == expect_error);
    REQUIRE(result.structured_content.has_value());
    REQUIRE(result.content.size() == 1);
    const auto& item = result.content[0].as_object();
    CHECK(item.at("type") == "text");
    CHECK(item.at("text").as_string() == boost::json::serialize(*result.structured_content));
    const auto errors = schema_errors(*result.structured_content, definition.at("outputSchema"));
    INFO(joined(errors));
    CHECK(errors.empty());
    // And what goes on the wire carries it under the MCP name.
    CHECK(result.to_json().at("structuredContent") == *result.structured_content);
    return *result.structured_content;
}

// An isError result: one text item, no structuredContent. Returns the text.
inline std::string error_only(const toolset::ToolResult& result) {
    INFO(boost::json::serialize(result.to_json()));
    REQUIRE(result.is_error);
    CHECK_FALSE(result.structured_content.has_value());
    CHECK_FALSE(result.to_json().contains("structuredContent"));
    REQUIRE(result.content.size() == 1);
    return std::string(result.content[0].as_object().at("text").as_string());
}

}  // namespace mamute::testing
