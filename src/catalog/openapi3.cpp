#include "catalog/openapi3.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "catalog/json_pointer.hpp"
#include "catalog/ref_resolver.hpp"
#include "catalog/text.hpp"

namespace mamute::catalog {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 8> kMethods = {"get",  "put",   "post",  "delete",
                                                      "options", "head", "patch", "trace"};

std::string string_at(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (!value) return {};
    if (const auto* text = value->if_string()) return std::string(*text);
    return {};
}

bool bool_at(const json::object& object, std::string_view key, bool fallback) {
    const auto* value = object.if_contains(key);
    if (value && value->is_bool()) return value->get_bool();
    return fallback;
}

// Server variable defaults and enums are strings in the spec, but numbers show up in the wild.
std::string scalar_text(const json::value& value) {
    if (const auto* text = value.if_string()) return std::string(*text);
    if (value.is_bool()) return value.get_bool() ? "true" : "false";
    return number_text(value);  // YAML's "version: 1.0" is a number; shown as written
}

class Reader {
public:
    Reader(const json::value& document, const std::string& source)
        : document_(document), source_(source), resolver_(document, source) {}

    Expected<Spec> read();

private:
    Error error_at(std::string_view pointer, std::string_view message) const {
        return make_error(source_ + ": " + std::string(pointer) + ": " + std::string(message));
    }

    Expected<std::vector<Server>> read_servers(const json::value* value, std::string_view pointer);
    Expected<Parameter> read_parameter(const json::value& raw, std::string_view pointer);
    Expected<std::vector<Parameter>> read_parameters(const json::object& owner, std::string_view pointer);
    Expected<Operation> read_operation(const json::object& item, const json::object& raw, std::string_view path,
                                       std::string_view method, std::string_view pointer,
                                       const std::vector<Parameter>& path_parameters,
                                       const std::vector<Server>& path_servers);
    Expected<bool> read_paths(const json::object& paths);

    const json::value& document_;
    const std::string& source_;
    RefResolver resolver_;
    Spec spec_;
};

Expected<std::vector<Server>> Reader::read_servers(const json::value* value, std::string_view pointer) {
    std::vector<Server> servers;
    if (!value) return servers;
    const auto* array = value->if_array();
    if (!array) return error_at(pointer, "\"servers\" must be an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        std::string at = pointer_append(pointer, i);
        const auto* object = (*array)[i].if_object();
        if (!object || !object->contains("url") || !object->at("url").is_string())
            return error_at(at, "server has no \"url\" string");
        Server server{string_at(*object, "url"), string_at(*object, "description"), {}};
        if (const auto* vars = object->if_contains("variables"); vars && vars->is_object()) {
            for (const auto& [name, raw] : vars->get_object()) {
                const auto* var = raw.if_object();
                if (!var) return error_at(pointer_append(pointer_append(at, "variables"), name),
                                          "server variable must be an object");
                ServerVariable variable{std::string(name), {}, string_at(*var, "description"), {}};
                if (const auto* def = var->if_contains("default")) variable.default_value = scalar_text(*def);
                if (const auto* values = var->if_contains("enum"); values && values->is_array())
                    for (const auto& v : values->get_array()) variable.enum_values.push_back(scalar_text(v));
                server.variables.push_back(std::move(variable));
            }
        }
        servers.push_back(std::move(server));
    }
    return servers;
}

Expected<Parameter> Reader::read_parameter(const json::value& raw, std::string_view pointer) {
    auto resolved = resolver_.resolve_required(raw, pointer);
    if (!resolved) return resolved.error();
    const auto* object = resolved->if_object();
    if (!object) return error_at(pointer, "parameter must be an object");
    Parameter param;
    if (!object->contains("name") || !object->at("name").is_string())
        return error_at(pointer, "parameter has no \"name\"");
    param.name = string_at(*object, "name");
    if (!object->contains("in") || !object->at("in").is_string())
        return error_at(pointer, "parameter has no \"in\"");
    param.in = string_at(*object, "in");
    if (param.in != "path" && param.in != "query" && param.in != "header" && param.in != "cookie")
        return error_at(pointer, "parameter \"" + param.name + "\" has \"in\": \"" + param.in +
                                     "\"; expected path, query, header or cookie");
    param.description = string_at(*object, "description");
    // Path parameters are always required (OpenAPI says so, whatever the document claims).
    param.required = param.in == "path" || bool_at(*object, "required", false);
    bool form_like = param.in == "query" || param.in == "cookie";
    param.style = string_at(*object, "style");
    if (param.style.empty()) param.style = form_like ? "form" : "simple";
    param.explode = bool_at(*object, "explode", param.style == "form");
    param.allow_reserved = bool_at(*object, "allowReserved", false);
    if (const auto* schema = object->if_contains("schema")) {
        param.schema = *schema;
    } else if (const auto* content = object->if_contains("content"); content && content->is_object()) {
        // "content" form: one media type whose schema describes the serialised value.
        for (const auto& [media, body] : content->get_object()) {
            if (const auto* media_object = body.if_object())
                if (const auto* schema = media_object->if_contains("schema")) param.schema = *schema;
            break;
        }
    }
    if (const auto* example = object->if_contains("example")) {
        param.example = *example;
    } else if (const auto* examples = object->if_contains("examples"); examples && examples->is_object()) {
        for (const auto& [name, entry] : examples->get_object()) {
            if (const auto* entry_object = entry.if_object())
                if (const auto* value = entry_object->if_contains("value")) {
                    param.example = *value;
                    break;
                }
        }
    }
    return param;
}

Expected<std::vector<Parameter>> Reader::read_parameters(const json::object& owner, std::string_view pointer) {
    std::vector<Parameter> params;
    const auto* value = owner.if_contains("parameters");
    if (!value) return params;
    std::string at = pointer_append(pointer, "parameters");
    const auto* array = value->if_array();
    if (!array) return error_at(at, "\"parameters\" must be an array");
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto param = read_parameter((*array)[i], pointer_append(at, i));
        if (!param) return param.error();
        params.push_back(std::move(*param));
    }
    return params;
}

// Template parameters the document forgot to declare: callers still need to know they exist.
void add_undeclared_path_parameters(Operation& operation) {
    std::string_view path = operation.path;
    for (std::size_t open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1)) {
        std::size_t close = path.find('}', open);
        if (close == std::string_view::npos) break;
        std::string name(path.substr(open + 1, close - open - 1));
        bool declared = false;
        for (const auto& p : operation.parameters) declared = declared || (p.in == "path" && p.name == name);
        if (declared || name.empty()) continue;
        Parameter param;
        param.name = name;
        param.in = "path";
        param.required = true;
        param.style = "simple";
        param.description = "(not declared in the spec; taken from the path template)";
        param.schema = json::object{{"type", "string"}};
        operation.parameters.push_back(std::move(param));
    }
}

Expected<Operation> Reader::read_operation(const json::object& item, const json::object& raw, std::string_view path,
                                           std::string_view method, std::string_view pointer,
                                           const std::vector<Parameter>& path_parameters,
                                           const std::vector<Server>& path_servers) {
    resolver_.reset_budget();
    Operation op;
    op.method = std::string(method);
    op.path = std::string(path);
    op.operation_id = string_at(raw, "operationId");
    op.summary = string_at(raw, "summary");
    if (op.summary.empty()) op.summary = string_at(item, "summary");
    op.description = string_at(raw, "description");
    if (op.description.empty()) op.description = string_at(item, "description");
    op.deprecated = bool_at(raw, "deprecated", false);
    if (const auto* tags = raw.if_contains("tags"); tags && tags->is_array())
        for (const auto& tag : tags->get_array())
            if (tag.is_string()) op.tags.emplace_back(tag.get_string());

    // Path-level parameters first; an operation-level one with the same name and location replaces it.
    op.parameters = path_parameters;
    auto own = read_parameters(raw, pointer);
    if (!own) return own.error();
    for (auto& param : *own) {
        bool replaced = false;
        for (auto& existing : op.parameters) {
            if (existing.name == param.name && existing.in == param.in) {
                existing = param;
                replaced = true;
            }
        }
        if (!replaced) op.parameters.push_back(std::move(param));
    }
    add_undeclared_path_parameters(op);

    if (const auto* body = raw.if_contains("requestBody")) {
        std::string at = pointer_append(pointer, "requestBody");
        auto resolved = resolver_.resolve_required(*body, at);
        if (!resolved) return resolved.error();
        if (!resolved->is_object()) return error_at(at, "requestBody must be an object");
        op.request_body = std::move(*resolved);
    }

    json::object responses;
    if (const auto* value = raw.if_contains("responses")) {
        std::string at = pointer_append(pointer, "responses");
        const auto* object = value->if_object();
        if (!object) return error_at(at, "\"responses\" must be an object");
        for (const auto& [status, response] : *object) {
            auto resolved = resolver_.resolve_required(response, pointer_append(at, status));
            if (!resolved) return resolved.error();
            responses.emplace(status, std::move(*resolved));
        }
    }
    op.responses = std::move(responses);

    // An operation's own "security" wins even when empty ([] means "no auth needed"); null when neither
    // the operation nor the document says anything.
    if (const auto* security = raw.if_contains("security"); security && security->is_array())
        op.security = *security;
    else if (const auto* root = document_.as_object().if_contains("security"); root && root->is_array())
        op.security = *root;
    else
        op.security = nullptr;

    auto servers = read_servers(raw.if_contains("servers"), pointer_append(pointer, "servers"));
    if (!servers) return servers.error();
    op.servers = !servers->empty() ? std::move(*servers) : !path_servers.empty() ? path_servers : spec_.servers;
    return op;
}

Expected<bool> Reader::read_paths(const json::object& paths) {
    for (const auto& [path, raw_item] : paths) {
        if (path.starts_with("x-")) continue;
        std::string pointer = pointer_append("/paths", path);
        if (!path.starts_with("/")) return error_at(pointer, "path must start with \"/\"");
        auto item_value = resolver_.follow(raw_item, pointer);  // a path item may itself be a $ref
        if (!item_value) return item_value.error();
        const auto* item = (*item_value)->if_object();
        if (!item) return error_at(pointer, "path item must be an object");

        auto path_parameters = read_parameters(*item, pointer);
        if (!path_parameters) return path_parameters.error();
        auto path_servers = read_servers(item->if_contains("servers"), pointer_append(pointer, "servers"));
        if (!path_servers) return path_servers.error();

        for (const auto& [key, raw_operation] : *item) {
            std::string method(key);
            for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) continue;
            std::string at = pointer_append(pointer, key);
            const auto* operation = raw_operation.if_object();
            if (!operation) return error_at(at, "operation must be an object");
            auto op = read_operation(*item, *operation, path, method, at, *path_parameters, *path_servers);
            if (!op) return op.error();
            spec_.operations.push_back(std::move(*op));
        }
    }
    return true;
}

Expected<Spec> Reader::read() {
    const auto& root = document_.as_object();
    spec_.source = source_;
    spec_.openapi_version = string_at(root, "openapi");

    const auto* info = root.if_contains("info");
    if (!info || !info->is_object()) return error_at("/info", "missing \"info\" object");
    const auto& info_object = info->get_object();
    spec_.title = string_at(info_object, "title");
    if (spec_.title.empty()) return error_at("/info/title", "missing or empty title (specs are addressed by title)");
    if (const auto* version = info_object.if_contains("version")) spec_.version = scalar_text(*version);
    spec_.description = string_at(info_object, "description");

    auto servers = read_servers(root.if_contains("servers"), "/servers");
    if (!servers) return servers.error();
    spec_.servers = std::move(*servers);
    // OpenAPI: with no servers the API is served relative to where the document came from.
    if (spec_.servers.empty()) spec_.servers.push_back(Server{"/", {}, {}});

    if (const auto* tags = root.if_contains("tags"); tags && tags->is_array()) {
        for (const auto& tag : tags->get_array()) {
            if (const auto* object = tag.if_object(); object && object->contains("name"))
                spec_.tags.push_back(Tag{string_at(*object, "name"), string_at(*object, "description")});
        }
    }

    if (const auto* components = root.if_contains("components"); components && components->is_object()) {
        if (const auto* schemes = components->get_object().if_contains("securitySchemes");
            schemes && schemes->is_object()) {
            for (const auto& [name, scheme] : schemes->get_object()) {
                auto resolved = resolver_.resolve_required(
                    scheme, pointer_append("/components/securitySchemes", name));
                if (!resolved) return resolved.error();
                spec_.security_schemes.emplace(name, std::move(*resolved));
            }
        }
    }

    if (const auto* paths = root.if_contains("paths")) {
        if (!paths->is_object()) return error_at("/paths", "\"paths\" must be an object");
        auto ok = read_paths(paths->get_object());
        if (!ok) return ok.error();
    }
    return std::move(spec_);
}

}  // namespace

Expected<Spec> read_openapi3(json::value document, const std::string& source) {
    if (!document.is_object()) return make_error(source + ": the document is not a JSON object");
    Expected<Spec> spec = [&]() -> Expected<Spec> {
        Reader reader(document, source);
        return reader.read();
    }();
    if (!spec) return spec;
    spec->document = std::move(document);
    return spec;
}

}  // namespace mamute::catalog
