#include "upstream/spec_servers.hpp"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <map>

#include "common/encoding.hpp"
#include "catalog/text.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 8> http_methods = {"get",     "put",  "post",  "delete",
                                                          "options", "head", "patch", "trace"};

// Replaces each {name} in a server URL using `value_of(name)`; unknown variables stay as written,
// which makes the URL fail to parse and the server to be skipped.
template <class ValueOf>
std::string fill_variables(const std::string& url, ValueOf value_of) {
    std::string out;
    std::size_t i = 0;
    while (i < url.size()) {
        const auto open = url.find('{', i);
        const auto close = open == std::string::npos ? std::string::npos : url.find('}', open);
        if (close == std::string::npos) {
            out.append(url, i, std::string::npos);
            break;
        }
        out.append(url, i, open - i);
        const std::string name = url.substr(open + 1, close - open - 1);
        if (auto value = value_of(name))
            out += *value;
        else
            out.append(url, open, close - open + 1);
        i = close + 1;
    }
    return out;
}

std::vector<std::string> split_segments(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const auto end = std::min(path.find('/', i), path.size());
        out.emplace_back(path.substr(i, end - i));
        i = end;
    }
    return out;
}

std::string schema_type(const json::value& schema) {
    const auto* object = schema.if_object();
    if (!object) return {};
    const auto* type = object->if_contains("type");
    if (!type) return {};
    std::string out = type->is_string() ? std::string(type->get_string()) : json::serialize(*type);
    if (out == "array")
        if (const auto* items = object->if_contains("items"))
            if (auto inner = schema_type(*items); !inner.empty()) out += " of " + inner;
    return out;
}

}  // namespace

std::string fill_server_defaults(const catalog::Server& server) {
    return fill_variables(server.url, [&](const std::string& name) -> std::optional<std::string> {
        for (const auto& variable : server.variables)
            if (variable.name == name) return variable.default_value;
        return std::nullopt;
    });
}

std::vector<std::string> expand_server_urls(const catalog::Server& server, std::size_t limit) {
    // Each variable may take its default or any enum value; the product is capped at `limit`.
    std::vector<std::vector<std::string>> choices;
    for (const auto& variable : server.variables) {
        std::vector<std::string> values{variable.default_value};
        for (const auto& value : variable.enum_values)
            if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
        choices.push_back(std::move(values));
    }
    std::vector<std::string> out;
    std::vector<std::size_t> index(choices.size(), 0);
    while (out.size() < limit) {
        out.push_back(fill_variables(server.url, [&](const std::string& name) -> std::optional<std::string> {
            for (std::size_t v = 0; v < server.variables.size(); ++v)
                if (server.variables[v].name == name) return choices[v][index[v]];
            return std::nullopt;
        }));
        std::size_t v = 0;  // odometer increment
        while (v < index.size() && ++index[v] == choices[v].size()) index[v++] = 0;
        if (v == index.size()) break;
    }
    return out;
}

Expected<Target> parse_target(std::string_view url) {
    auto parsed = parse_http_url(url);
    if (!parsed) return parsed.error();
    Target target{parsed->origin, parsed->path};
    while (!target.prefix.empty() && target.prefix.back() == '/') target.prefix.pop_back();
    return target;
}

Expected<Target> operation_target(const catalog::Spec& spec, const catalog::Operation& operation,
                                  const std::optional<std::string>& base_url) {
    if (base_url) {
        auto target = parse_target(*base_url);
        if (!target) return make_error("the configured base URL is unusable: " + target.error().message);
        return target;
    }
    const auto& servers = operation.servers.empty() ? spec.servers : operation.servers;
    std::string tried;
    for (const auto& server : servers) {
        const auto url = fill_server_defaults(server);
        if (auto target = parse_target(url)) return target;
        tried += (tried.empty() ? "'" : ", '") + url + "'";
    }
    return make_error("spec '" + spec.title + "' has no absolute http(s) server URL" +
                      (tried.empty() ? std::string() : " (servers: " + tried + ")") +
                      "; start mamute-mcp with a base URL for it");
}

namespace {

std::string server_list(const std::vector<catalog::Server>& servers) {
    std::string out;
    for (const auto& server : servers) out += (out.empty() ? "" : ", ") + server.url;
    return out.empty() ? "none" : out;
}

// Where the origin of a server URL template ends: variables before it decide the host.
std::size_t origin_end(const std::string& url) {
    const auto scheme = url.find("://");
    const auto from = scheme == std::string::npos ? 0 : scheme + 3;
    return std::min(url.find('/', from), url.size());
}

bool path_value_allowed(std::string_view value) {
    if (value.empty()) return true;
    for (char c : value)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/'))
            return false;
    for (const auto& segment : split_segments(value))
        if (segment == "." || segment == "..") return false;
    return value.find("//") == std::string_view::npos;
}

}  // namespace

Expected<Target> chosen_server_target(const catalog::Spec& spec, const catalog::Operation& operation,
                                      const json::value& server_arg, const std::optional<std::string>& base_url) {
    if (server_arg.is_null() || base_url) return operation_target(spec, operation, base_url);
    const auto* arg = server_arg.if_object();
    if (!arg) return make_error("'server' must be an object {url?, variables?} (see get-server-variables)");
    for (const auto& [key, value] : *arg)
        if (key != "url" && key != "variables")
            return make_error("'server' takes 'url' and 'variables'; '" + catalog::shorten(key) + "' is unknown");
    const auto& servers = operation.servers.empty() ? spec.servers : operation.servers;
    if (servers.empty()) return operation_target(spec, operation, base_url);
    const catalog::Server* server = &servers.front();
    if (const auto* url = arg->if_contains("url"); url && !url->is_null()) {
        if (!url->is_string()) return make_error("'server.url' must be a string: one of " + server_list(servers));
        auto trimmed = [](std::string_view text) { return text.ends_with("/") ? text.substr(0, text.size() - 1) : text; };
        auto found = std::find_if(servers.begin(), servers.end(), [&](const catalog::Server& candidate) {
            return trimmed(candidate.url) == trimmed(url->get_string());
        });
        if (found == servers.end())
            return make_error("'server.url' " + catalog::shorten(url->get_string()) + " is not a server of " +
                              ascii_upper(operation.method) + " " + operation.path + "; its servers: " + server_list(servers));
        server = &*found;
    }
    std::map<std::string, std::string> given;
    if (const auto* variables = arg->if_contains("variables"); variables && !variables->is_null()) {
        if (!variables->is_object()) return make_error("'server.variables' must be an object of name -> value");
        const auto host_part = server->url.substr(0, origin_end(server->url));
        for (const auto& [name, value] : variables->get_object()) {
            auto found = std::find_if(server->variables.begin(), server->variables.end(),
                                      [&](const auto& variable) { return variable.name == name; });
            if (found == server->variables.end()) {
                std::string names;
                for (const auto& variable : server->variables) names += (names.empty() ? "" : ", ") + variable.name;
                return make_error("server " + server->url + " has no variable '" + catalog::shorten(name) +
                                  "'; its variables: " + (names.empty() ? "none" : names));
            }
            auto text = scalar_to_string(value);
            if (!text) return make_error("server variable '" + found->name + "' must be a string");
            const bool listed = *text == found->default_value ||
                                std::find(found->enum_values.begin(), found->enum_values.end(), *text) != found->enum_values.end();
            std::string choices = found->default_value;
            for (const auto& option : found->enum_values)
                if (option != found->default_value) choices += ", " + option;
            if (!found->enum_values.empty() && !listed)
                return make_error("server variable '" + found->name + "' must be one of: " + choices + "; got '" +
                                  catalog::shorten(*text) + "'");
            if (!listed && host_part.find("{" + found->name + "}") != std::string::npos)
                return make_error("refused: server variable '" + found->name + "' is part of the host, so only the value " +
                                  "the spec gives (" + choices + ") is allowed; got '" + catalog::shorten(*text) + "'");
            if (!listed && !path_value_allowed(*text))
                return make_error("refused: server variable '" + found->name + "' may only hold letters, digits, '-', '.', " +
                                  "'_', '~' and '/' (no '.' or '..' segments); got '" + catalog::shorten(*text) + "'");
            given[found->name] = *text;
        }
    }
    const auto url = fill_variables(server->url, [&](const std::string& name) -> std::optional<std::string> {
        if (auto found = given.find(name); found != given.end()) return found->second;
        for (const auto& variable : server->variables)
            if (variable.name == name) return variable.default_value;
        return std::nullopt;
    });
    auto target = parse_target(url);
    if (!target)
        return make_error("server " + catalog::shorten(url) + " cannot be called: " + target.error().message +
                          (url.find("://") == std::string::npos ? " (a relative server URL needs mamute-mcp's base URL)" : ""));
    return target;
}

std::vector<Target> allowed_targets(const catalog::Spec& spec, const std::optional<std::string>& base_url) {
    std::vector<Target> out;
    auto add = [&](const std::string& url) {
        auto target = parse_target(url);
        if (!target) return;
        for (const auto& known : out)
            if (known.origin == target->origin && known.prefix == target->prefix) return;
        out.push_back(std::move(*target));
    };
    if (base_url) add(*base_url);
    for (const auto& server : spec.servers)
        for (const auto& url : expand_server_urls(server)) add(url);
    for (const auto& operation : spec.operations)
        for (const auto& server : operation.servers)
            for (const auto& url : expand_server_urls(server)) add(url);
    return out;
}

std::string suggest_operations(const catalog::Spec& spec, std::string_view method, std::string_view path) {
    // Same path, other methods: the most likely mistake.
    std::string same_path;
    for (const auto other : http_methods) {
        if (other == method) continue;
        if (spec.find_operation(other, path) || spec.match_path(other, path))
            same_path += (same_path.empty() ? "" : ", ") + ascii_upper(other);
    }
    if (!same_path.empty()) return "The path " + catalog::shorten(path) + " exists with: " + same_path + ".";

    // Otherwise rank templates by shared leading segments, then by shared literal segments.
    const auto wanted = split_segments(path);
    std::vector<std::pair<int, const catalog::Operation*>> ranked;
    for (const auto& operation : spec.operations) {
        const auto segments = split_segments(operation.path);
        int score = 0;
        for (std::size_t i = 0; i < std::min(wanted.size(), segments.size()); ++i) {
            if (segments[i] != wanted[i] && segments[i].front() != '{') break;
            score += 2;
        }
        for (const auto& segment : segments)
            if (segment.front() != '{' && std::find(wanted.begin(), wanted.end(), segment) != wanted.end()) ++score;
        if (score > 0) ranked.emplace_back(score, &operation);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string out;
    for (std::size_t i = 0; i < std::min<std::size_t>(ranked.size(), 5); ++i)
        out += "\n  " + ascii_upper(ranked[i].second->method) + " " + ranked[i].second->path;
    return out.empty() ? out : "Close operations:" + out;
}

std::string describe_operation(const catalog::Operation& operation) {
    std::string out = ascii_upper(operation.method) + " " + operation.path;
    if (!operation.summary.empty()) out += " (" + operation.summary + ")";
    out += "\nparameters:";
    if (operation.parameters.empty()) out += " none";
    for (const auto& parameter : operation.parameters) {
        out += "\n  - " + parameter.name + " (" + parameter.in;
        if (auto type = schema_type(parameter.schema); !type.empty()) out += ", " + type;
        out += parameter.required ? ", required" : ", optional";
        if (parameter.in == "query" && !parameter.style.empty() && (parameter.style != "form" || !parameter.explode))
            out += ", style " + parameter.style + (parameter.explode ? " explode" : " no explode");
        out += ")";
        if (!parameter.description.empty()) {
            std::string description = parameter.description.substr(0, 160);
            std::replace(description.begin(), description.end(), '\n', ' ');
            out += ": " + description;
        }
    }
    if (const auto* body = operation.request_body.if_object()) {
        const auto* required = body->if_contains("required");
        out += std::string("\nrequest body: ") + (required && required->is_bool() && required->get_bool() ? "required" : "optional");
        if (const auto* content = body->if_contains("content"); content && content->is_object()) {
            std::string types;
            for (const auto& entry : content->get_object())
                types += (types.empty() ? "" : ", ") + std::string(entry.key());
            if (!types.empty()) out += " (" + types + ")";
            // The top-level fields of the first schema: what an agent most often gets wrong.
            const auto* media = content->get_object().empty() ? nullptr : content->get_object().begin()->value().if_object();
            const auto* schema = media ? media->if_contains("schema") : nullptr;
            const auto* properties = schema && schema->is_object() ? schema->get_object().if_contains("properties") : nullptr;
            const auto* required_list = schema && schema->is_object() ? schema->get_object().if_contains("required") : nullptr;
            if (properties && properties->is_object() && !properties->get_object().empty()) {
                std::string fields;
                std::size_t shown = 0;
                for (const auto& [name, property] : properties->get_object()) {
                    if (++shown > 20) {
                        fields += ", ...";
                        break;
                    }
                    const bool needed = required_list && required_list->is_array() &&
                                        std::find(required_list->get_array().begin(), required_list->get_array().end(),
                                                  json::value(name)) != required_list->get_array().end();
                    fields += (fields.empty() ? "" : ", ") + std::string(name);
                    if (auto type = schema_type(property); !type.empty()) fields += " " + type;
                    if (needed) fields += " (required)";
                }
                out += "\n  fields: " + fields;
            }
        }
    } else {
        out += "\nrequest body: none";
    }
    return out;
}

}  // namespace mamute::upstream
