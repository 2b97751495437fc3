#include "catalog/swagger2.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <cctype>
#include <vector>

#include "catalog/json_pointer.hpp"

namespace mamute::catalog {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 8> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
constexpr std::string_view kUrlEncoded = "application/x-www-form-urlencoded";
constexpr std::string_view kMultipart = "multipart/form-data";

// Keywords a Swagger 2.0 non-body parameter shares with a schema.
constexpr std::array<std::string_view, 17> kSchemaKeywords = {
    "type",      "format",    "items",     "default",   "maximum",     "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "enum",      "multipleOf", "x-nullable"};

std::vector<std::string> string_list(const json::value* value) {
    std::vector<std::string> out;
    if (!value) return out;
    if (const auto* array = value->if_array())
        for (const auto& item : *array)
            if (const auto* s = item.if_string()) out.emplace_back(*s);
    return out;
}

std::string string_at(const json::object& object, std::string_view key) {
    if (const auto* value = object.if_contains(key))
        if (const auto* s = value->if_string()) return std::string(*s);
    return {};
}

// A "type": "file" anywhere in a parameter or items schema becomes a binary string.
json::value file_to_binary(json::value schema) {
    if (auto* object = schema.if_object()) {
        if (const auto* type = object->if_contains("type"); type && type->is_string() && type->get_string() == "file") {
            (*object)["type"] = "string";
            (*object)["format"] = "binary";
        }
        if (auto* items = object->if_contains("items")) *items = file_to_binary(std::move(*items));
    }
    return schema;
}

// The schema part of a non-body parameter (or header, or items).
json::value schema_of(const json::object& parameter) {
    json::object schema;
    for (auto keyword : kSchemaKeywords)
        if (const auto* value = parameter.if_contains(keyword)) schema[keyword] = *value;
    if (const auto* items = schema.if_contains("items"); items && items->is_object()) {
        const auto& items_object = items->get_object();
        json::value converted = schema_of(items_object);
        if (items_object.contains("$ref")) converted = items_object;  // a schema ref, kept as is
        schema["items"] = std::move(converted);
    }
    if (auto* nullable = schema.if_contains("x-nullable")) {
        schema["nullable"] = *nullable;
        schema.erase("x-nullable");
    }
    return file_to_binary(std::move(schema));
}

class Converter {
public:
    Converter(const json::value& document, const std::string& source)
        : document_(document), root_(document.as_object()), source_(source) {}

    Expected<json::value> convert();

private:
    Error error_at(std::string_view pointer, std::string_view message) const {
        return make_error(source_ + ": " + std::string(pointer) + ": " + std::string(message));
    }

    // Follows "$ref" chains through the original document; the target must exist.
    Expected<const json::object*> follow(const json::value& value, std::string_view pointer, std::string_view what);
    Expected<bool> convert_parameters(const json::value* list, std::string_view pointer,
                                      std::vector<std::pair<std::string, json::object>>& into);
    Expected<json::value> convert_responses(const json::value& responses, std::string_view pointer,
                                            const std::vector<std::string>& produces);
    Expected<json::object> convert_operation(const json::object& raw, std::string_view pointer,
                                             const std::vector<std::pair<std::string, json::object>>& path_params);
    json::value servers(const json::value* schemes_override = nullptr) const;
    json::object security_schemes() const;

    const json::value& document_;
    const json::object& root_;
    const std::string& source_;
};

Expected<const json::object*> Converter::follow(const json::value& value, std::string_view pointer,
                                                std::string_view what) {
    const json::value* current = &value;
    for (int hops = 0;; ++hops) {
        const auto* object = current->if_object();
        if (!object) return error_at(pointer, std::string(what) + " must be an object");
        const auto* ref = object->if_contains("$ref");
        if (!ref || !ref->is_string()) return object;
        if (hops >= 12) return error_at(pointer, "circular or too long $ref chain");
        std::string_view target = ref->get_string();
        current = find_local_ref(document_, target);
        if (!current)
            return error_at(std::string(pointer) + "/$ref", "\"" + std::string(target) +
                                                                "\" does not resolve (only local \"#/...\" references are supported)");
    }
}

json::value Converter::servers(const json::value* schemes_override) const {
    std::string host = string_at(root_, "host");
    std::string base_path = string_at(root_, "basePath");
    if (!base_path.empty() && base_path.front() != '/') base_path.insert(0, "/");
    while (base_path.size() > 1 && base_path.back() == '/') base_path.pop_back();
    json::array servers;
    if (host.empty()) {
        servers.push_back(json::object{{"url", base_path.empty() ? "/" : base_path}});
        return servers;
    }
    auto schemes = string_list(schemes_override ? schemes_override : root_.if_contains("schemes"));
    if (schemes.empty()) schemes.push_back("https");
    for (const auto& scheme : schemes) {
        if (scheme != "http" && scheme != "https" && scheme != "ws" && scheme != "wss") continue;
        servers.push_back(json::object{{"url", scheme + "://" + host + (base_path == "/" ? "" : base_path)}});
    }
    if (servers.empty()) servers.push_back(json::object{{"url", "https://" + host + (base_path == "/" ? "" : base_path)}});
    return servers;
}

json::object Converter::security_schemes() const {
    json::object schemes;
    const auto* definitions = root_.if_contains("securityDefinitions");
    if (!definitions || !definitions->is_object()) return schemes;
    for (const auto& [name, raw] : definitions->get_object()) {
        const auto* definition = raw.if_object();
        if (!definition) continue;
        std::string type = string_at(*definition, "type");
        json::object scheme;
        if (type == "basic") {
            scheme = {{"type", "http"}, {"scheme", "basic"}};
        } else if (type == "apiKey") {
            scheme = {{"type", "apiKey"}, {"name", string_at(*definition, "name")}, {"in", string_at(*definition, "in")}};
        } else if (type == "oauth2") {
            std::string flow = string_at(*definition, "flow");
            std::string name = flow == "application" ? "clientCredentials"
                               : flow == "accessCode" ? "authorizationCode"
                                                      : flow;
            json::object body;
            if (flow == "implicit" || flow == "accessCode")
                body["authorizationUrl"] = string_at(*definition, "authorizationUrl");
            if (flow != "implicit") body["tokenUrl"] = string_at(*definition, "tokenUrl");
            const auto* scopes = definition->if_contains("scopes");
            body["scopes"] = scopes && scopes->is_object() ? *scopes : json::value(json::object{});
            scheme = {{"type", "oauth2"}, {"flows", json::object{{name.empty() ? "implicit" : name, std::move(body)}}}};
        } else {
            scheme = *definition;
        }
        if (const auto* description = definition->if_contains("description")) scheme["description"] = *description;
        for (const auto& [key, value] : *definition)
            if (key.starts_with("x-")) scheme[key] = value;
        schemes[name] = std::move(scheme);
    }
    return schemes;
}

// Collects the parameters of a path item or operation, keyed by "in" + name; body and formData
// parameters are kept raw for the request body.
Expected<bool> Converter::convert_parameters(const json::value* list, std::string_view pointer,
                                             std::vector<std::pair<std::string, json::object>>& into) {
    if (!list) return true;
    std::string at = pointer_append(pointer, "parameters");
    const auto* array = list->if_array();
    if (!array) return error_at(at, "\"parameters\" must be an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        std::string param_at = pointer_append(at, i);
        auto resolved = follow((*array)[i], param_at, "parameter");
        if (!resolved) return resolved.error();
        const json::object& param = **resolved;
        std::string name = string_at(param, "name");
        std::string in = string_at(param, "in");
        if (name.empty()) return error_at(param_at, "parameter has no \"name\"");
        if (in.empty()) return error_at(param_at, "parameter has no \"in\"");
        if (in != "path" && in != "query" && in != "header" && in != "body" && in != "formData")
            return error_at(param_at, "parameter \"" + name + "\" has \"in\": \"" + in +
                                          "\"; expected path, query, header, body or formData");
        if (in == "body" && !param.contains("schema"))
            return error_at(param_at, "body parameter \"" + name + "\" has no \"schema\"");
        std::string key = in + "\n" + name;
        auto same = std::find_if(into.begin(), into.end(), [&](const auto& entry) {
            return entry.first == key || (in == "body" && entry.first.starts_with("body\n"));
        });
        if (same != into.end())
            same->second = param;  // an operation's own parameter replaces the path item's
        else
            into.emplace_back(key, param);
    }
    return true;
}

json::object convert_plain_parameter(const json::object& param) {
    std::string in = string_at(param, "in");
    json::object out{{"name", string_at(param, "name")}, {"in", in}};
    for (const auto& [key, value] : param) {
        if (key == "description" || key == "required" || key == "allowEmptyValue" || key.starts_with("x-"))
            out[key] = value;
    }
    out["schema"] = schema_of(param);
    if (const auto* example = param.if_contains("x-example")) out["example"] = *example;
    const auto* type = param.if_contains("type");
    if (type && type->is_string() && type->get_string() == "array") {
        std::string format = string_at(param, "collectionFormat");
        if (format.empty()) format = "csv";
        bool form_like = in == "query";
        if (format == "multi") {
            out["style"] = "form";
            out["explode"] = true;
        } else if (format == "ssv") {
            out["style"] = "spaceDelimited";
            out["explode"] = false;
        } else if (format == "pipes") {
            out["style"] = "pipeDelimited";
            out["explode"] = false;
        } else {  // csv, and tsv, which OpenAPI 3 cannot say
            out["style"] = form_like ? "form" : "simple";
            out["explode"] = false;
            if (format == "tsv") out["x-collectionFormat"] = "tsv";
        }
    }
    return out;
}

Expected<json::value> Converter::convert_responses(const json::value& responses, std::string_view pointer,
                                                   const std::vector<std::string>& produces) {
    const auto* object = responses.if_object();
    if (!object) return error_at(pointer, "\"responses\" must be an object");
    json::object out;
    for (const auto& [status, raw] : *object) {
        if (status.starts_with("x-")) continue;
        std::string at = pointer_append(pointer, status);
        auto resolved = follow(raw, at, "response");
        if (!resolved) return resolved.error();
        const json::object& response = **resolved;
        json::object converted;
        converted["description"] = response.contains("description") ? response.at("description") : json::value("");
        for (const auto& [key, value] : response)
            if (key.starts_with("x-")) converted[key] = value;
        if (const auto* headers = response.if_contains("headers"); headers && headers->is_object()) {
            json::object converted_headers;
            for (const auto& [name, header] : headers->get_object()) {
                if (!header.is_object()) continue;
                json::object h{{"schema", schema_of(header.get_object())}};
                if (const auto* description = header.get_object().if_contains("description"))
                    h["description"] = *description;
                converted_headers[name] = std::move(h);
            }
            converted["headers"] = std::move(converted_headers);
        }
        const auto* examples = response.if_contains("examples");
        if (const auto* schema = response.if_contains("schema")) {
            json::object content;
            for (const auto& media : produces) {
                json::object entry{{"schema", file_to_binary(*schema)}};
                if (examples && examples->is_object())
                    if (const auto* example = examples->get_object().if_contains(media)) entry["example"] = *example;
                content[media] = std::move(entry);
            }
            converted["content"] = std::move(content);
        }
        out[status] = std::move(converted);
    }
    return json::value(std::move(out));
}

Expected<json::object> Converter::convert_operation(
    const json::object& raw, std::string_view pointer,
    const std::vector<std::pair<std::string, json::object>>& path_params) {
    json::object op;
    for (const auto& [key, value] : raw) {
        if (key == "parameters" || key == "consumes" || key == "produces" || key == "responses" || key == "schemes")
            continue;
        op[key] = value;
    }
    auto params = path_params;
    auto ok = convert_parameters(raw.if_contains("parameters"), pointer, params);
    if (!ok) return ok.error();

    auto consumes = string_list(raw.contains("consumes") ? raw.if_contains("consumes") : root_.if_contains("consumes"));
    auto produces = string_list(raw.contains("produces") ? raw.if_contains("produces") : root_.if_contains("produces"));
    if (consumes.empty()) consumes.push_back("application/json");
    if (produces.empty()) produces.push_back("application/json");

    json::array parameters;
    const json::object* body = nullptr;
    json::object form_properties;
    json::array form_required;
    bool has_file = false;
    for (const auto& [key, param] : params) {
        std::string in = string_at(param, "in");
        if (in == "body") {
            body = &param;
        } else if (in == "formData") {
            std::string name = string_at(param, "name");
            json::value schema = schema_of(param);
            if (const auto* description = param.if_contains("description"))
                schema.as_object()["description"] = *description;
            if (string_at(param, "type") == "file") has_file = true;
            form_properties[name] = std::move(schema);
            if (const auto* required = param.if_contains("required"); required && required->is_bool() &&
                                                                         required->get_bool())
                form_required.push_back(json::string(name));
        } else {
            parameters.push_back(convert_plain_parameter(param));
        }
    }
    if (!parameters.empty()) op["parameters"] = std::move(parameters);

    if (body) {
        json::object content;
        std::vector<std::string> body_media;
        for (const auto& media : consumes)
            if (media != kUrlEncoded && media != kMultipart) body_media.push_back(media);
        if (body_media.empty()) body_media.push_back("application/json");
        for (const auto& media : body_media) {
            json::object entry{{"schema", body->at("schema")}};
            if (const auto* example = body->if_contains("x-example")) entry["example"] = *example;
            content[media] = std::move(entry);
        }
        json::object request{{"content", std::move(content)}};
        if (const auto* description = body->if_contains("description")) request["description"] = *description;
        if (const auto* required = body->if_contains("required")) request["required"] = *required;
        if (const auto* name = body->if_contains("name")) request["x-bodyName"] = *name;
        op["requestBody"] = std::move(request);
    } else if (!form_properties.empty()) {
        std::vector<std::string> form_media;
        for (const auto& media : consumes)
            if ((media == kMultipart || (media == kUrlEncoded && !has_file)) &&
                std::find(form_media.begin(), form_media.end(), media) == form_media.end())
                form_media.push_back(media);
        if (form_media.empty()) form_media.emplace_back(has_file ? kMultipart : kUrlEncoded);
        json::object schema{{"type", "object"}, {"properties", std::move(form_properties)}};
        bool any_required = !form_required.empty();
        if (any_required) schema["required"] = std::move(form_required);
        json::object content;
        for (const auto& media : form_media) content[media] = json::object{{"schema", schema}};
        json::object request{{"content", std::move(content)}};
        if (any_required) request["required"] = true;
        op["requestBody"] = std::move(request);
    }

    // An operation's own "schemes" give it its own servers.
    if (const auto* schemes = raw.if_contains("schemes"); schemes && !string_list(schemes).empty() && root_.contains("host"))
        op["servers"] = servers(schemes);

    if (const auto* responses = raw.if_contains("responses")) {
        auto converted = convert_responses(*responses, pointer_append(pointer, "responses"), produces);
        if (!converted) return converted.error();
        op["responses"] = std::move(*converted);
    } else {
        op["responses"] = json::object{};
    }
    return op;
}

Expected<json::value> Converter::convert() {
    json::object out;
    for (const auto& [key, value] : root_)
        if (key != "swagger" && key != "paths" && key != "securityDefinitions") out[key] = value;
    out["openapi"] = "3.0.3";
    out["x-swagger"] = root_.contains("swagger") ? root_.at("swagger") : json::value("2.0");
    out["servers"] = servers();
    json::object components;
    components["securitySchemes"] = security_schemes();
    out["components"] = std::move(components);

    json::object paths;
    if (const auto* raw_paths = root_.if_contains("paths")) {
        if (!raw_paths->is_object()) return error_at("/paths", "\"paths\" must be an object");
        for (const auto& [path, raw_item] : raw_paths->get_object()) {
            if (path.starts_with("x-")) {
                paths[path] = raw_item;
                continue;
            }
            std::string pointer = pointer_append("/paths", path);
            auto item = follow(raw_item, pointer, "path item");
            if (!item) return item.error();
            std::vector<std::pair<std::string, json::object>> path_params;
            auto ok = convert_parameters((*item)->if_contains("parameters"), pointer, path_params);
            if (!ok) return ok.error();
            json::object converted_item;
            for (const auto& [key, value] : **item) {
                std::string method(key);
                for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
                    if (key.starts_with("x-")) converted_item[key] = value;
                    continue;
                }
                std::string at = pointer_append(pointer, key);
                const auto* operation = value.if_object();
                if (!operation) return error_at(at, "operation must be an object");
                auto converted = convert_operation(*operation, at, path_params);
                if (!converted) return converted.error();
                converted_item[key] = std::move(*converted);
            }
            paths[path] = std::move(converted_item);
        }
    }
    out["paths"] = std::move(paths);
    return json::value(std::move(out));
}

}  // namespace

Expected<json::value> swagger2_to_openapi3(const json::value& document, const std::string& source) {
    if (!document.is_object()) return make_error(source + ": the document is not an object");
    Converter converter(document, source);
    return converter.convert();
}

}  // namespace mamute::catalog
