#include "common/encoding.hpp"
#include "catalog/describe.hpp"

#include <cctype>

namespace mamute::catalog {

namespace json = boost::json;

namespace {

void put_if(json::object& out, std::string_view key, const std::string& text) {
    if (!text.empty()) out[key] = text;
}

}  // namespace

std::string operation_label(const Operation& operation) { return ascii_upper(operation.method) + " " + operation.path; }

json::object describe_parameter(const Parameter& p) {
    json::object out;
    out["name"] = p.name;
    out["in"] = p.in;
    out["required"] = p.required;
    put_if(out, "description", p.description);
    if (!p.schema.is_null()) out["schema"] = p.schema;
    bool form_like = p.in == "query" || p.in == "cookie";
    std::string default_style = form_like ? "form" : "simple";
    if (p.style != default_style) out["style"] = p.style;
    if (p.explode != (p.style == "form")) out["explode"] = p.explode;
    if (p.allow_reserved) out["allowReserved"] = true;
    if (!p.example.is_null()) out["example"] = p.example;
    return out;
}

json::array describe_servers(const std::vector<Server>& servers) {
    json::array out;
    for (const auto& server : servers) {
        json::object entry;
        entry["url"] = server.url;
        put_if(entry, "description", server.description);
        if (!server.variables.empty()) {
            json::object variables;
            for (const auto& v : server.variables) {
                json::object variable;
                variable["default"] = v.default_value;
                if (!v.enum_values.empty()) {
                    json::array values;
                    for (const auto& e : v.enum_values) values.push_back(json::string(e));
                    variable["enum"] = std::move(values);
                }
                put_if(variable, "description", v.description);
                variables[v.name] = std::move(variable);
            }
            entry["variables"] = std::move(variables);
        }
        out.push_back(std::move(entry));
    }
    return out;
}

json::object describe_security(const Spec& spec, const Operation& operation) {
    json::object schemes;
    if (const auto* requirements = operation.security.if_array()) {
        for (const auto& requirement : *requirements) {
            const auto* names = requirement.if_object();
            if (!names) continue;
            for (const auto& [name, scopes] : *names) {
                if (schemes.contains(name)) continue;
                if (const auto* scheme = spec.security_schemes.if_contains(name))
                    schemes[name] = *scheme;
                else
                    schemes[name] = json::object{{"x-unresolved", true}};  // named but never defined
            }
        }
    }
    return json::object{{"requirements", operation.security.is_array() ? operation.security : json::array{}},
                        {"schemes", std::move(schemes)}};
}

json::object describe_operation(const Spec& spec, const Operation& op, bool with_bodies) {
    json::object out;
    out["method"] = ascii_upper(op.method);
    out["path"] = op.path;
    put_if(out, "operationId", op.operation_id);
    put_if(out, "summary", op.summary);
    put_if(out, "description", op.description);
    if (!op.tags.empty()) {
        json::array tags;
        for (const auto& tag : op.tags) tags.push_back(json::string(tag));
        out["tags"] = std::move(tags);
    }
    if (op.deprecated) out["deprecated"] = true;
    json::array parameters;
    for (const auto& p : op.parameters) parameters.push_back(describe_parameter(p));
    out["parameters"] = std::move(parameters);
    if (with_bodies) {
        if (!op.request_body.is_null()) out["requestBody"] = op.request_body;
        out["responses"] = op.responses.is_null() ? json::value(json::object{}) : op.responses;
    }
    out["security"] = describe_security(spec, op);
    out["servers"] = describe_servers(op.servers);
    return out;
}

}  // namespace mamute::catalog
