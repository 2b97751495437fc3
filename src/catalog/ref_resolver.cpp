#include "catalog/ref_resolver.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "catalog/json_pointer.hpp"

namespace mamute::catalog {

namespace json = boost::json;

namespace {

// Keywords whose values are literal data, not schema: a "$ref" key inside them is just data.
bool is_literal_keyword(std::string_view key) {
    return key == "example" || key == "default" || key == "const" || key == "enum";
}

// Keywords whose value maps names to schemas: their keys are names, never keywords.
bool is_name_map_keyword(std::string_view key) {
    return key == "properties" || key == "patternProperties" || key == "$defs" || key == "definitions" ||
           key == "dependentSchemas";
}

const json::string* ref_of(const json::value& value) {
    const auto* object = value.if_object();
    if (!object) return nullptr;
    const auto* ref = object->if_contains("$ref");
    return ref ? ref->if_string() : nullptr;
}

}  // namespace

json::value ref_marker(std::string_view ref, std::string_view flag) {
    return json::object{{"$ref", ref}, {flag, true}};
}

RefResolver::RefResolver(const json::value& document, std::string source, ResolveLimits limits)
    : document_(document), source_(std::move(source)), limits_(limits) {}

bool RefResolver::on_stack(std::string_view ref) const {
    return std::find(stack_.begin(), stack_.end(), ref) != stack_.end();
}

json::value RefResolver::resolve(const json::value& value) { return expand(value, false, 0); }

Expected<const json::value*> RefResolver::follow(const json::value& value, std::string_view pointer) {
    const json::value* current = &value;
    std::vector<std::string_view> seen;
    while (const auto* ref = ref_of(*current)) {
        std::string_view target(ref->data(), ref->size());
        if (std::find(seen.begin(), seen.end(), target) != seen.end())
            return make_error(source_ + ": " + std::string(pointer) + ": circular $ref \"" + std::string(target) +
                              "\"");
        if (seen.size() >= limits_.max_ref_depth)
            return make_error(source_ + ": " + std::string(pointer) + ": $ref chain longer than " +
                              std::to_string(limits_.max_ref_depth));
        seen.push_back(target);
        const json::value* next = find_local_ref(document_, target);
        if (!next)
            return make_error(source_ + ": " + std::string(pointer) + "/$ref: \"" + std::string(target) +
                              "\" does not resolve (only local \"#/...\" references are supported)");
        current = next;
    }
    return current;
}

Expected<json::value> RefResolver::resolve_required(const json::value& value, std::string_view pointer) {
    auto target = follow(value, pointer);
    if (!target) return target.error();
    // Keep the followed chain on the stack so a schema pointing back at it shows as circular.
    std::size_t pushed = 0;
    for (const json::value* current = &value; const auto* ref = ref_of(*current);) {
        stack_.emplace_back(ref->data(), ref->size());
        ++pushed;
        current = find_local_ref(document_, stack_.back());
    }
    json::value out = expand(**target, false, 0);
    // Sibling keys next to the outermost "$ref" (3.1 summary/description) override the target's.
    if (ref_of(value) && out.is_object()) {
        for (const auto& [key, sibling] : value.as_object())
            if (key != "$ref") out.as_object()[key] = expand(sibling, false, 0);
    }
    stack_.resize(stack_.size() - pushed);
    return out;
}

json::value RefResolver::expand_ref(const json::object& object, std::string_view ref, std::size_t depth) {
    json::value out;
    const json::value* target = find_local_ref(document_, ref);
    if (!target)
        out = ref_marker(ref, "x-unresolved");
    else if (on_stack(ref))
        out = ref_marker(ref, "x-circular");
    else if (stack_.size() >= limits_.max_ref_depth || nodes_ >= limits_.node_budget)
        out = ref_marker(ref, "x-truncated");
    else {
        stack_.emplace_back(ref);
        out = expand(*target, false, depth + 1);
        stack_.pop_back();
    }
    ++nodes_;
    if (object.size() > 1 && out.is_object()) {
        for (const auto& [key, sibling] : object)
            if (key != "$ref") out.as_object()[key] = expand(sibling, false, depth + 1);
    }
    return out;
}

json::value RefResolver::expand(const json::value& value, bool name_map, std::size_t depth) {
    ++nodes_;
    if (depth > limits_.max_json_depth) return json::object{{"x-truncated", true}};
    switch (value.kind()) {
        case json::kind::object: {
            const auto& object = value.get_object();
            if (!name_map) {
                if (const auto* ref = ref_of(value)) return expand_ref(object, std::string_view(*ref), depth);
            }
            json::object out;
            out.reserve(object.size());
            for (const auto& [key, child] : object) {
                if (!name_map && is_literal_keyword(key))
                    out.emplace(key, child);
                else
                    out.emplace(key, expand(child, !name_map && is_name_map_keyword(key), depth + 1));
            }
            return out;
        }
        case json::kind::array: {
            const auto& array = value.get_array();
            json::array out;
            out.reserve(array.size());
            for (const auto& child : array) out.push_back(expand(child, false, depth + 1));
            return out;
        }
        default:
            return value;
    }
}

}  // namespace mamute::catalog
