#include "upstream/value_check.hpp"

#include <boost/json/object.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "catalog/text.hpp"
#include "upstream/serialization.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

namespace json = boost::json;

namespace {

constexpr int max_depth = 64;  // schemas are bounded when loaded; values by the request size

std::string_view kind_of(const json::value& value) {
    switch (value.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "boolean";
        case json::kind::int64:
        case json::kind::uint64: return "integer";
        case json::kind::double_: return "number";
        case json::kind::string: return "string";
        case json::kind::array: return "array";
        case json::kind::object: return "object";
    }
    return "value";
}

std::string shown(const json::value& value) {
    if (value.is_string()) return "'" + catalog::shorten(value.get_string(), 60) + "'";
    if (value.is_array() || value.is_object()) return std::string(kind_of(value));
    return item_text(value);
}

bool parses_as_number(std::string_view text, bool integer) {
    if (text.empty()) return false;
    if (integer) {
        long long n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size()) return true;
        unsigned long long u = 0;
        const auto [uend, uec] = std::from_chars(text.data(), text.data() + text.size(), u);
        return uec == std::errc() && uend == text.data() + text.size();
    }
    double d = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    return ec == std::errc() && end == text.data() + text.size() && std::isfinite(d);
}

// A form field given as a file or as raw bytes ({base64}): what a "type: string, format: binary" field
// holds in a multipart body.
bool is_file_part(const json::value& value) { return is_file_field(value) || base64_field(value).has_value(); }

std::optional<double> number_of(const json::value& value) {
    if (value.is_number()) return value.to_number<double>();
    if (const auto* text = value.if_string(); text && parses_as_number(*text, false)) {
        double d = 0;
        std::from_chars(text->data(), text->data() + text->size(), d);
        return d;
    }
    return std::nullopt;
}

std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (unsigned char c : text) count += (c & 0xC0) != 0x80;
    return count;
}

std::optional<double> schema_number(const json::object& schema, std::string_view key) {
    const auto* value = schema.if_contains(key);
    return value && value->is_number() ? std::optional<double>(value->to_number<double>()) : std::nullopt;
}

std::string number_text(double d) {
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, d).ptr;
    return std::string(buffer, end);
}

bool is_integral(const json::value& value) {
    if (value.is_int64() || value.is_uint64()) return true;
    if (!value.is_double()) return false;
    const double d = value.get_double();
    return std::isfinite(d) && std::floor(d) == d;
}

bool same_value(const json::value& a, const json::value& b, ValueMode mode) {
    if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
    if (mode == ValueMode::parameter && !a.is_structured() && !b.is_structured() && !a.is_null() && !b.is_null())
        return item_text(a) == item_text(b);  // sent as text: 1 and "1" are the same value
    return a == b;
}

std::vector<std::string> declared_types(const json::object& schema) {
    std::vector<std::string> types;
    if (const auto* type = schema.if_contains("type")) {
        if (type->is_string()) types.emplace_back(type->get_string());
        if (const auto* list = type->if_array())
            for (const auto& item : *list)
                if (item.is_string()) types.emplace_back(item.get_string());
    }
    if (!types.empty())
        if (const auto* nullable = schema.if_contains("nullable"); nullable && nullable->is_bool() && nullable->get_bool())
            types.emplace_back("null");  // OpenAPI 3.0
    return types;
}

bool type_matches(std::string_view type, const json::value& value, ValueMode mode) {
    const bool as_text = mode == ValueMode::parameter;
    const auto* text = value.if_string();
    if (type == "null") return value.is_null();
    if (type == "boolean") return value.is_bool() || (as_text && text && (*text == "true" || *text == "false"));
    if (type == "integer") return is_integral(value) || (as_text && text && parses_as_number(*text, true));
    if (type == "number") return value.is_number() || (as_text && text && parses_as_number(*text, false));
    if (type == "string") return text || (as_text && (value.is_number() || value.is_bool() || is_file_part(value)));
    if (type == "array") return value.is_array() || (as_text && !value.is_structured() && !value.is_null());
    if (type == "object") return value.is_object();
    return true;  // a type we do not know: the API decides
}

std::string join(const std::vector<std::string>& items, std::size_t limit = 20) {
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
    if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
    return out;
}

// The property names a schema declares at its own level or in its allOf/anyOf/oneOf branches: a strict
// reading of additionalProperties: false next to allOf would refuse objects that authors mean to allow.
void collect_properties(const json::object& schema, std::set<std::string>& names, int depth) {
    if (depth > 8) return;
    if (const auto* properties = schema.if_contains("properties"); properties && properties->is_object())
        for (const auto& entry : properties->get_object()) names.emplace(entry.key());
    for (const char* keyword : {"allOf", "anyOf", "oneOf"})
        if (const auto* branches = schema.if_contains(keyword); branches && branches->is_array())
            for (const auto& branch : branches->get_array())
                if (branch.is_object()) collect_properties(branch.get_object(), names, depth + 1);
}

bool read_only(const json::value& schema) {
    const auto* object = schema.if_object();
    const auto* flag = object ? object->if_contains("readOnly") : nullptr;
    return flag && flag->is_bool() && flag->get_bool();
}

class Checker {
public:
    Checker(ValueMode mode, std::size_t limit) : mode_(mode), limit_(limit) {}

    void check(const json::value& schema_value, const json::value& value, const std::string& where, int depth) {
        if (full() || depth > max_depth) return;
        if (schema_value.is_bool()) {  // OpenAPI 3.1: true allows anything, false nothing
            if (!schema_value.get_bool()) add(where, "no value is allowed here");
            return;
        }
        const auto* schema = schema_value.if_object();
        if (!schema || schema->contains("x-circular")) return;

        if (const auto types = declared_types(*schema); !types.empty()) {
            bool matched = false;
            for (const auto& type : types) matched = matched || type_matches(type, value, mode_);
            if (!matched) {
                add(where, "expected " + join(types) + ", got " + std::string(kind_of(value)) +
                               (value.is_structured() ? "" : " " + shown(value)));
                return;  // what follows would only repeat the mismatch
            }
        }
        if (value.is_null()) return;  // null passed the type check (or no type was declared)
        check_enum(*schema, value, where);
        check_bounds(*schema, value, where);
        for (const char* keyword : {"allOf", "anyOf", "oneOf"}) check_branches(*schema, keyword, value, where, depth);
        if (const auto* object = value.if_object()) check_object(*schema, *object, where, depth);
        if (const auto* items = schema->if_contains("items")) {
            if (const auto* array = value.if_array()) {
                for (std::size_t i = 0; i < array->size() && !full(); ++i)
                    check(*items, (*array)[i], where + "[" + std::to_string(i) + "]", depth + 1);
            } else if (mode_ == ValueMode::parameter && !value.is_structured()) {
                check(*items, value, where, depth + 1);  // one value for an array parameter: a one-item array
            }
        }
    }

    std::vector<std::string> problems() && { return std::move(problems_); }

private:
    bool full() const { return problems_.size() >= limit_; }
    void add(const std::string& where, const std::string& what) {
        if (!full()) problems_.push_back(where + ": " + what);
    }

    void check_enum(const json::object& schema, const json::value& value, const std::string& where) {
        if (const auto* allowed = schema.if_contains("enum"); allowed && allowed->is_array() && !allowed->get_array().empty()) {
            for (const auto& option : allowed->get_array())
                if (same_value(option, value, mode_)) return;
            std::vector<std::string> options;
            for (const auto& option : allowed->get_array()) options.push_back(item_text(option));
            add(where, shown(value) + " is not one of: " + join(options));
        }
        if (const auto* fixed = schema.if_contains("const"); fixed && !same_value(*fixed, value, mode_))
            add(where, "must be " + item_text(*fixed) + ", got " + shown(value));
    }

    // Ranges and lengths: numbers, string lengths in characters, array sizes. Patterns and formats are
    // left to the API (a regex dialect we read differently must not refuse a valid call).
    void check_bounds(const json::object& schema, const json::value& value, const std::string& where) {
        const bool numeric = value.is_number() || (mode_ == ValueMode::parameter && value.is_string() &&
                                                   (schema.contains("minimum") || schema.contains("maximum")));
        if (const auto number = numeric ? number_of(value) : std::nullopt) {
            // OpenAPI 3.0 writes exclusiveMinimum: true beside minimum; 3.1 gives the bound itself.
            auto flag = [&](const char* key) {
                const auto* v = schema.if_contains(key);
                return v && v->is_bool() && v->get_bool();
            };
            if (auto low = schema_number(schema, "minimum"); low && (*number < *low || (flag("exclusiveMinimum") && *number == *low)))
                add(where, number_text(*number) + " is below the minimum " + number_text(*low));
            if (auto high = schema_number(schema, "maximum"); high && (*number > *high || (flag("exclusiveMaximum") && *number == *high)))
                add(where, number_text(*number) + " is above the maximum " + number_text(*high));
            if (auto low = schema_number(schema, "exclusiveMinimum"); low && *number <= *low)
                add(where, number_text(*number) + " must be greater than " + number_text(*low));
            if (auto high = schema_number(schema, "exclusiveMaximum"); high && *number >= *high)
                add(where, number_text(*number) + " must be less than " + number_text(*high));
        }
        if (const auto* text = value.if_string()) {
            const auto length = code_points(*text);
            if (auto low = schema_number(schema, "minLength"); low && length < *low)
                add(where, "is " + std::to_string(length) + " characters; at least " + number_text(*low));
            if (auto high = schema_number(schema, "maxLength"); high && length > *high)
                add(where, "is " + std::to_string(length) + " characters; at most " + number_text(*high));
        }
        if (const auto* array = value.if_array()) {
            if (auto low = schema_number(schema, "minItems"); low && array->size() < *low)
                add(where, "has " + std::to_string(array->size()) + " items; at least " + number_text(*low));
            if (auto high = schema_number(schema, "maxItems"); high && array->size() > *high)
                add(where, "has " + std::to_string(array->size()) + " items; at most " + number_text(*high));
        }
    }

    void check_branches(const json::object& schema, const char* keyword, const json::value& value,
                        const std::string& where, int depth) {
        const auto* branches = schema.if_contains(keyword);
        if (!branches || !branches->is_array() || branches->get_array().empty()) return;
        if (std::string_view(keyword) == "allOf") {
            for (const auto& branch : branches->get_array()) check(branch, value, where, depth + 1);
            return;
        }
        // anyOf and oneOf alike: one fitting branch is enough (oneOf's "exactly one" is often unprovable
        // for loose branches, and refusing a valid call is worse than letting the API judge).
        std::string first_problem;
        for (const auto& branch : branches->get_array()) {
            Checker alternative(mode_, 1);
            alternative.check(branch, value, where, depth + 1);
            if (alternative.problems_.empty()) return;
            if (first_problem.empty()) first_problem = alternative.problems_.front();
        }
        add(where, "matches none of the " + std::to_string(branches->get_array().size()) + " " + keyword +
                       " alternatives (the first says: " + first_problem + ")");
    }

    void check_object(const json::object& schema, const json::object& value, const std::string& where, int depth) {
        const auto* properties_value = schema.if_contains("properties");
        const auto* properties = properties_value ? properties_value->if_object() : nullptr;
        if (const auto* required = schema.if_contains("required"); required && required->is_array()) {
            for (const auto& name : required->get_array()) {
                if (!name.is_string() || value.contains(name.get_string())) continue;
                const auto* property = properties ? properties->if_contains(name.get_string()) : nullptr;
                if (property && read_only(*property)) continue;  // readOnly: required in responses only
                add(where, "missing required property '" + std::string(name.get_string()) + "'");
            }
        }
        const auto* additional = schema.if_contains("additionalProperties");
        std::set<std::string> known;
        collect_properties(schema, known, 0);
        const bool closed = additional && additional->is_bool() && !additional->get_bool() &&
                            !schema.contains("patternProperties");
        for (const auto& [name, item] : value) {
            if (full()) return;
            const std::string key(name);
            const std::string inner = where + "." + key;
            if (const auto* property = properties ? properties->if_contains(name) : nullptr) {
                check(*property, item, inner, depth + 1);
            } else if (closed && !known.contains(key)) {
                std::vector<std::string> names(known.begin(), known.end());
                add(where, "unknown property '" + catalog::shorten(key, 60) + "' (known: " +
                               (names.empty() ? "none" : join(names)) + ")");
            } else if (additional && additional->is_object() && !known.contains(key)) {
                check(*additional, item, inner, depth + 1);
            }
        }
    }

    ValueMode mode_;
    std::size_t limit_;
    std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> check_value(const json::value& schema, const json::value& value, const std::string& where,
                                     ValueMode mode, std::size_t limit) {
    Checker checker(mode, limit);
    checker.check(schema, value, where, 0);
    return std::move(checker).problems();
}

}  // namespace mamute::upstream
