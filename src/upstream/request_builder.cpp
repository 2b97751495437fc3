#include "upstream/request_builder.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse_query.hpp>
#include <functional>
#include <map>
#include <set>

#include "common/encoding.hpp"
#include "common/json_duplicates.hpp"
#include "catalog/text.hpp"
#include "upstream/serialization.hpp"
#include "upstream/spec_servers.hpp"
#include "upstream/url_encoding.hpp"
#include "upstream/credential_placement.hpp"
#include "upstream/value_check.hpp"

namespace mamute::upstream {

namespace json = boost::json;
using catalog::Operation;
using catalog::shorten;
using catalog::Parameter;
using catalog::Spec;

namespace {

using Problem = std::optional<Error>;  // a check that returns nothing on success

constexpr std::array<std::string_view, 8> http_methods = {"GET",     "PUT",  "POST",  "DELETE",
                                                          "OPTIONS", "HEAD", "PATCH", "TRACE"};
// Hop-by-hop headers and those the client owns; an agent setting them could split or smuggle requests.
constexpr std::array<std::string_view, 11> refused_headers = {
    "host", "content-length", "connection", "keep-alive", "proxy-connection", "proxy-authenticate",
    "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"};

Error with_operation(const Operation& op, const std::string& message) {
    return make_error(message + "\n\n" + describe_operation(op));
}

std::string param_names(const Operation& op, std::string_view in) {
    std::string out;
    for (const auto& p : op.parameters)
        if (p.in == in) out += (out.empty() ? "" : ", ") + p.name;
    return out.empty() ? "none" : out;
}

const Parameter* find_param(const Operation& op, std::string_view in, std::string_view name) {
    for (const auto& p : op.parameters)
        if (p.in == in && (in == "header" ? iequals(p.name, name) : p.name == name)) return &p;
    return nullptr;
}

constexpr std::string_view method_choices = "one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE";
// The structured fields; harRequest stands for all of them.
constexpr std::array<std::string_view, 9> structured_fields = {
    "method", "path", "pathParams", "query", "headers", "cookies", "body", "contentType", "server"};

// `field` is how the agent wrote it: 'method' or 'harRequest.method'.
Expected<std::string> check_method(const json::value* value, std::string_view field) {
    const std::string name = "'" + std::string(field) + "'";
    if (!value || value->is_null() || (value->is_string() && value->get_string().empty()))
        return make_error(name + " is required: " + std::string(method_choices));
    if (!value->is_string()) return make_error(name + " must be a string: " + std::string(method_choices));
    auto method = ascii_upper(value->get_string());
    if (std::find(http_methods.begin(), http_methods.end(), method) == http_methods.end())
        return make_error(name + " must be " + std::string(method_choices) + "; '" + shorten(value->get_string()) +
                          "' is not an HTTP method");
    return method;
}

const json::object* body_content(const Operation& op) {
    const auto* body = op.request_body.if_object();
    const auto* content = body ? body->if_contains("content") : nullptr;
    return content ? content->if_object() : nullptr;
}

std::string media_type_of(std::string_view content_type) {
    return ascii_lower(trim_whitespace(content_type.substr(0, content_type.find(';'))));
}

// The operation's media type entry a Content-Type falls under: exact first, then "image/*", then "*/*".
const json::value* media_entry(const Operation& op, std::string_view content_type) {
    const auto* content = body_content(op);
    if (!content) return nullptr;
    const auto media = media_type_of(content_type);
    const json::value* wildcard = nullptr;
    for (const auto& [key, entry] : *content) {
        const auto declared = media_type_of(key);
        if (declared == media) return &entry;
        if (declared == "*/*" || (declared.ends_with("/*") && media.starts_with(declared.substr(0, declared.size() - 1))))
            wildcard = wildcard ? wildcard : &entry;
    }
    return wildcard;
}

std::string media_types(const Operation& op) {
    std::string out;
    if (const auto* content = body_content(op))
        for (const auto& [key, entry] : *content) out += (out.empty() ? "" : ", ") + std::string(key);
    return out;
}

bool is_form_media(std::string_view content_type) {
    const auto media = media_type_of(content_type);
    return media == "application/x-www-form-urlencoded" || media == "multipart/form-data";
}

bool is_text_media(std::string_view content_type) {
    const auto media = media_type_of(content_type);
    return media.starts_with("text/") || media.ends_with("+xml") || media == "application/xml" ||
           media == "application/x-ndjson" || media == "application/yaml" || media == "application/graphql";
}

// RFC 9110 gives these no defined body semantics (TRACE must not have one); when the operation declares
// no requestBody, a body the agent gives is a mistake, not something to send.
bool takes_no_body(const Operation& op, std::string_view method) {
    if (method == "TRACE") return true;
    return (method == "GET" || method == "HEAD" || method == "DELETE") && !op.request_body.is_object();
}

bool body_required(const Operation& op) {
    const auto* body = op.request_body.if_object();
    const auto* required = body ? body->if_contains("required") : nullptr;
    return required && required->is_bool() && required->get_bool();
}

std::vector<std::string> placeholders(std::string_view path) {
    std::vector<std::string> out;
    for (auto open = path.find('{'); open != std::string_view::npos; open = path.find('{', open + 1))
        if (const auto close = path.find('}', open); close != std::string_view::npos)
            out.emplace_back(path.substr(open + 1, close - open - 1));
    return out;
}

// A path value from pathParams (serialised by the parameter's style) or typed in a concrete path.
struct PathValue {
    json::value value;
    bool typed_in_path = false;
};

std::map<std::string, PathValue> from_match(const std::map<std::string, std::string>& decoded) {
    std::map<std::string, PathValue> out;
    for (const auto& [name, value] : decoded) out[name] = PathValue{json::string(value), true};
    return out;
}

bool is_dot_segment(std::string_view segment) {
    auto text = ascii_lower(segment);
    for (auto at = text.find("%2e"); at != std::string::npos; at = text.find("%2e")) text.replace(at, 3, ".");
    return text == "." || text == "..";
}

// What both argument forms produce before the target is chosen.
struct Draft {
    const Spec* spec = nullptr;
    const Operation* op = nullptr;
    std::string method;
    std::map<std::string, PathValue> path_values;
    std::vector<std::string> query;                           // encoded name=value items
    std::set<std::string> query_names;                        // decoded names given
    std::map<std::string, int> query_counts;                  // how often each declared name was given
    HeaderList headers;                                       // validated agent headers
    std::vector<std::string> cookies;                         // encoded name=value pairs of cookie parameters
    std::set<std::string> cookie_names;
    std::optional<std::string> content_type;                  // declared by the agent
    std::optional<std::string> body;
    // What the agent gave, for the schema checks in finish(): parameter values and the body.
    std::vector<std::pair<const Parameter*, json::value>> given_values;
    std::optional<json::value> body_value;

    bool is_query_key_scheme(std::string_view name) const {
        if (!spec) return false;
        for (const auto& [scheme_name, scheme] : spec->security_schemes) {
            const auto* object = scheme.if_object();
            const auto* in = object ? object->if_contains("in") : nullptr;
            const auto* key = object ? object->if_contains("name") : nullptr;
            if (in && key && in->is_string() && key->is_string() && in->get_string() == "query" && key->get_string() == name)
                return true;
        }
        return false;
    }

    Problem add_query_name(const std::string& name) {
        auto base = name;
        if (!find_param(*op, "query", base) && base.find('[') != std::string::npos)
            base = base.substr(0, base.find('['));  // deepObject: filter[status]=x
        if (!find_param(*op, "query", base) && is_query_key_scheme(base)) return std::nullopt;  // an API key
        if (!find_param(*op, "query", base)) {
            std::string hint;
            for (const auto* in : {"path", "header", "cookie"})
                if (find_param(*op, in, name)) hint = " ('" + shorten(name) + "' is a " + in + " parameter)";
            return with_operation(*op, "unknown query parameter '" + shorten(name) + "'" + hint +
                                           "; known query parameters: " + param_names(*op, "query"));
        }
        query_names.insert(base);
        if (base == name) ++query_counts[base];
        return std::nullopt;
    }

    // A query string as written in a URL: pairs are kept encoded, names are checked decoded.
    Problem add_raw_query(std::string_view raw) {
        if (raw.empty()) return std::nullopt;
        auto params = boost::urls::parse_query(raw);
        if (!params) return make_error("the query string '" + shorten(raw) + "' is not valid percent-encoded text");
        for (auto param : *params) {
            const auto name = param.key.decode();
            if (auto problem = add_query_name(name)) return problem;
            // Written into the path or URL, still checked against the schema like any other value.
            if (const auto* p = find_param(*op, "query", name)) given_values.emplace_back(p, json::string(param.value.decode()));
            query.push_back(std::string(param.key) + (param.has_value ? "=" + std::string(param.value) : ""));
        }
        return std::nullopt;
    }

    // One structured query argument, serialised by the parameter's style (form, space/pipe, deepObject).
    void add_pair(const std::string& encoded_name, const std::string& encoded_value) {
        query.push_back(encoded_name + "=" + encoded_value);
    }

    Problem add_query_value(const std::string& name, const json::value& value) {
        if (value.is_null()) return std::nullopt;
        if (auto problem = add_query_name(name)) return problem;
        const auto* p = find_param(*op, "query", name);
        if (!p) return std::nullopt;  // a deepObject member written out (filter[status]): sent as given
        given_values.emplace_back(p, value);
        const bool explode = p->style.empty() ? true : p->explode;
        const bool spread = value.is_object() && explode && (p->style.empty() || p->style == "form");
        if (spread)  // each property becomes a query parameter of its own: it must not pose as another one
            for (const auto& [field, item] : value.get_object())
                if (find_param(*op, "query", field) || field == "")
                    return with_operation(*op, "refused: query parameter '" + name + "' is an exploded object, so its "
                                                   "property '" + shorten(field) + "' would be sent as query parameter '" +
                                                   shorten(field) + "'");
        for (const auto& [key, text] : styled_pairs(name, p->style, explode, p->allow_reserved, value)) add_pair(key, text);
        return std::nullopt;
    }

    // Cookie parameters, and cookies of an apiKey security scheme (in: cookie): one Cookie header.
    Problem add_cookie_value(const Spec& spec, const std::string& name, const json::value& value) {
        const auto* p = find_param(*op, "cookie", name);
        bool scheme_cookie = false;
        for (const auto& [scheme_name, scheme] : spec.security_schemes) {
            const auto* object = scheme.if_object();
            const auto* in = object ? object->if_contains("in") : nullptr;
            const auto* key = object ? object->if_contains("name") : nullptr;
            scheme_cookie = scheme_cookie || (in && key && in->is_string() && key->is_string() && in->get_string() == "cookie" &&
                                              key->get_string() == name);
        }
        if (!p && !scheme_cookie)
            return with_operation(*op, "unknown cookie '" + shorten(name) + "'; known cookie parameters: " + param_names(*op, "cookie"));
        if (!is_valid_header_name(name)) return make_error("refused: '" + shorten(name) + "' is not a valid cookie name");
        if (value.is_null()) return std::nullopt;
        if (p) given_values.emplace_back(p, value);
        cookie_names.insert(name);
        cookies.push_back(serialize_cookie(name, p ? p->explode : true, value));
        return std::nullopt;
    }

    Problem add_header(const std::string& name, const std::string& value) {
        if (!is_valid_header_name(name)) return make_error("refused: '" + shorten(name) + "' is not a valid header name");
        if (!is_valid_header_value(value))
            return make_error("refused: the value of header '" + shorten(name) + "' contains a control character (CR, LF, NUL, ...)");
        if (auto problem = header_size_problem(name, value)) return make_error("refused: " + *problem);
        if (std::find(refused_headers.begin(), refused_headers.end(), ascii_lower(name)) != refused_headers.end())
            return make_error("refused: header '" + name + "' is set by the server itself and cannot be supplied");
        if (iequals(name, "content-type"))
            content_type = value;
        else
            headers.emplace_back(name, value);
        return std::nullopt;
    }

    Problem set_path_value(const std::string& name, const json::value& value) {
        if (value.is_null()) return std::nullopt;
        if (value.is_structured() && !find_param(*op, "path", name))
            return with_operation(*op, "path parameter '" + name + "' must be a string or number");
        auto [it, inserted] = path_values.emplace(name, PathValue{value, false});
        if (!inserted && item_text(it->second.value) != item_text(value))
            return with_operation(*op, "path parameter '" + name + "' is '" + shorten(item_text(it->second.value)) +
                                           "' in the path but '" + shorten(item_text(value)) + "' in pathParams");
        return std::nullopt;
    }

    // Fills the template; each value is one encoded segment, so it cannot add segments or a query.
    Expected<std::string> fill_path() const {
        std::string out;
        std::vector<std::pair<std::size_t, std::string>> filled;  // where each parameter's text starts
        // "/cookies#formExploded": a '#' suffix only tells operations on one path apart; it is never sent.
        const auto tpl = op->path.substr(0, op->path.find('#'));
        std::size_t i = 0;
        while (i < tpl.size()) {
            const auto open = tpl.find('{', i);
            const auto close = open == std::string::npos ? std::string::npos : tpl.find('}', open);
            if (close == std::string::npos) {
                out += encode_path_literal(std::string_view(tpl).substr(i));
                break;
            }
            out += encode_path_literal(std::string_view(tpl).substr(i, open - i));
            const auto name = tpl.substr(open + 1, close - open - 1);
            const auto found = path_values.find(name);
            if (found == path_values.end())
                return with_operation(*op, "missing required path parameter '" + name + "'");
            const auto text = item_text(found->second.value);
            if (text.size() > 1 && text.front() == '{' && text.back() == '}' && found->second.value.is_string())
                return with_operation(*op, "path parameter '" + name + "' still holds the placeholder '" + shorten(text) +
                                               "'; put the actual value in the path");
            if (text.empty())
                return with_operation(*op, "refused: path parameter '" + name +
                                               "' cannot be '' (it would change which endpoint is called)");
            const auto* p = find_param(*op, "path", name);
            filled.emplace_back(out.size(), name);
            out += found->second.typed_in_path
                       ? encode_segment(text)
                       : serialize_path_param(name, p ? p->style : "simple", p && p->explode, found->second.value);
            i = close + 1;
        }
        // A value of "." or ".." (even as %2E) would be resolved away by the server: another endpoint.
        for (std::size_t at = 0; at < out.size();) {
            const auto next = std::min(out.find('/', at + 1), out.size());
            const auto segment = std::string_view(out).substr(at + 1, next - at - 1);
            if (is_dot_segment(segment)) {
                std::string name = "?";
                for (const auto& [start, param] : filled)
                    if (start > at && start <= next) name = param;
                return with_operation(*op, "refused: path parameter '" + name + "' cannot be '" + shorten(segment) +
                                               "' (it would change which endpoint is called)");
            }
            at = next;
        }
        return out;
    }

    // A body given for an operation that takes none; `field` names the argument to leave out.
    Problem unexpected_body(std::string_view field) const {
        if (method == "TRACE")
            return with_operation(*op, "TRACE requests cannot carry a body; leave out '" + std::string(field) + "'");
        return with_operation(*op, "operation " + ascii_upper(op->method) + " " + op->path +
                                       " takes no request body; leave out '" + std::string(field) + "'");
    }

    // The media type a body is sent as: the agent's, which the operation must take, else the operation's own
    // (JSON first; for {"base64": ...} a binary one).
    Problem choose_content_type(const json::value& value) {
        const auto* content = body_content(*op);
        if (content_type) {
            if (content && !content->empty() && !media_entry(*op, *content_type))
                return with_operation(*op, "contentType '" + shorten(*content_type) + "' is not one that " +
                                               ascii_upper(op->method) + " " + op->path + " takes: " + media_types(*op));
            return std::nullopt;
        }
        content_type = "application/json";
        if (!content || content->empty()) return std::nullopt;
        const bool binary = base64_field(value).has_value();
        const json::object::value_type* chosen = nullptr;
        for (const auto& entry : *content) {
            const bool json_media = is_json_media(entry.key()), form = is_form_media(entry.key());
            if (binary ? (!json_media && !form && !is_text_media(entry.key())) : json_media) {
                chosen = &entry;
                break;
            }
        }
        content_type = std::string(chosen ? chosen->key() : content->begin()->key());
        if (content_type->find('*') != std::string::npos)  // "*/*" or "image/*" names no type to send
            content_type = binary ? "application/octet-stream" : media_type_of(*content_type) == "*/*" ? "application/json" : "application/octet-stream";
        return std::nullopt;
    }

    Problem set_body(const json::value* value) {
        if (value && !value->is_null() && takes_no_body(*op, method)) return unexpected_body("body");
        if (!value || value->is_null()) {
            if (body_required(*op)) return with_operation(*op, ascii_upper(op->method) + " " + op->path + " requires a request body");
            return std::nullopt;
        }
        if (auto problem = choose_content_type(*value)) return problem;
        const auto* media = media_entry(*op, *content_type);
        const auto lower = media_type_of(*content_type);
        if (is_json_media(*content_type)) {
            body = json::serialize(*value);  // any JSON value, a bare string or number included
            body_value = *value;
        } else if (auto decoded = base64_field(*value)) {
            if (!*decoded) return with_operation(*op, "body." + decoded->error().message);
            body = std::move(**decoded);
        } else if (const auto* text = value->if_string()) {
            body = std::string(*text);
        } else if (lower == "application/x-www-form-urlencoded" && value->is_object()) {
            body = form_urlencode(value->get_object(), media ? field_encodings(*media) : FieldEncodings{});
            body_value = *value;
        } else if (lower == "multipart/form-data" && value->is_object()) {
            auto form = multipart_form(value->get_object(), media ? field_encodings(*media) : FieldEncodings{});
            if (!form) return form.error();
            body = std::move(form->body);
            content_type = std::move(form->content_type);
            body_value = *value;
        } else if (auto scalar = scalar_to_string(*value)) {
            body = *scalar;
        } else {
            return with_operation(*op, "a body sent as '" + shorten(*content_type) +
                                           "' must be a string (send the exact text), {\"base64\": \"...\"} for binary data, "
                                           "or an object for application/x-www-form-urlencoded and multipart/form-data");
        }
        return std::nullopt;
    }

    // Every value the agent gave, checked against its schema; all problems are reported at once.
    Problem check_values() const {
        std::vector<std::string> problems;
        auto add = [&](std::vector<std::string> found) {
            for (auto& problem : found) problems.push_back(std::move(problem));
        };
        for (const auto& [name, given] : path_values)
            if (const auto* p = find_param(*op, "path", name))
                add(check_value(p->schema, given.value, "path parameter '" + name + "'", ValueMode::parameter));
        for (const auto& [p, value] : given_values)
            add(check_value(p->schema, value, p->in + " parameter '" + p->name + "'", ValueMode::parameter));
        if (body_value && content_type) {
            const auto* media = media_entry(*op, *content_type);
            const auto* media_object = media ? media->if_object() : nullptr;
            const auto* schema = media_object ? media_object->if_contains("schema") : nullptr;
            if (schema) {
                const bool as_json = is_json_media(*content_type);
                auto found = check_value(*schema, *body_value, "body", as_json ? ValueMode::body : ValueMode::parameter);
                if (as_json && !found.empty() && body_value->is_string()) {
                    json::error_code ec;
                    if (auto parsed = json::parse(body_value->get_string(), ec); !ec && parsed.is_structured())
                        found.front() += " (give the JSON value itself as body, not a string holding it)";
                }
                add(std::move(found));
            }
        }
        for (const auto& [name, count] : query_counts) {
            const auto* p = find_param(*op, "query", name);
            const auto* schema = p ? p->schema.if_object() : nullptr;
            const auto* type = schema ? schema->if_contains("type") : nullptr;
            const bool repeatable = !type || (type->is_string() && type->get_string() == "array") || type->is_array();
            if (count > 1 && !repeatable)
                problems.push_back("query parameter '" + name + "': given " + std::to_string(count) +
                                   " times (in the path and in 'query'?); it takes one value");
        }
        if (problems.empty()) return std::nullopt;
        std::string message = "invalid arguments, nothing was sent:";
        for (const auto& problem : problems) message += "\n- " + problem;
        return with_operation(*op, message);
    }

    Problem check_required(const HeaderList& credentials) const {
        for (const auto& p : op->parameters) {
            if (!p.required) continue;
            if (p.in == "query" && !query_names.count(p.name))
                return with_operation(*op, "missing required query parameter '" + p.name + "'");
            if (p.in == "header" && !iequals(p.name, "accept") && !iequals(p.name, "content-type") &&
                !iequals(p.name, "authorization")) {
                auto has = [&](const HeaderList& list) {
                    return std::any_of(list.begin(), list.end(), [&](const auto& h) { return iequals(h.first, p.name); });
                };
                if (!has(headers) && !has(credentials))
                    return with_operation(*op, "missing required header '" + p.name + "'");
            }
            if (p.in == "cookie" && !cookie_names.count(p.name))
                return with_operation(*op, "missing required cookie '" + p.name + "' (give it in 'cookies')");
        }
        return std::nullopt;
    }

    // Agent headers first, minus any that a forwarded credential replaces; then the credentials.
    Expected<BuiltRequest> finish(const Target& target, const HeaderList& connection_credentials) {
        // Only what the operation's security schemes take, where they take it (see credential_placement.hpp).
        const auto placed = spec ? place_credentials(*spec, *op, connection_credentials)
                                 : CredentialPlacement{connection_credentials, {}, {}, false};
        const HeaderList& credentials = placed.headers;
        if (auto problem = check_required(credentials)) return *problem;
        if (auto problem = check_values()) return *problem;
        for (const auto& [name, value] : placed.cookies) cookies.push_back(name + "=" + percent_encode(value));
        for (const auto& [name, value] : placed.query) {
            // The connection's key wins over one given in the arguments.
            const auto key = percent_encode(name);
            std::erase_if(query, [&](const std::string& item) { return item == key || item.starts_with(key + "="); });
            query.push_back(key + "=" + percent_encode(value));
        }
        if (!cookies.empty()) {  // joins a Cookie header the agent may also have sent
            std::string joined;
            for (const auto& pair : cookies) joined += (joined.empty() ? "" : "; ") + pair;
            auto existing = std::find_if(headers.begin(), headers.end(), [](const auto& h) { return iequals(h.first, "cookie"); });
            if (existing != headers.end())
                existing->second += "; " + joined;
            else
                headers.emplace_back("Cookie", joined);
        }
        auto path = fill_path();
        if (!path) return path.error();
        BuiltRequest built;
        built.operation = op;
        built.request.origin = target.origin;
        built.request.method = method;
        built.request.target = target.prefix + *path;
        if (built.request.target.empty()) built.request.target = "/";
        for (std::size_t i = 0; i < query.size(); ++i) built.request.target += (i == 0 ? "?" : "&") + query[i];
        for (auto& header : headers) {
            const bool replaced = std::any_of(credentials.begin(), credentials.end(),
                                              [&](const auto& c) { return iequals(c.first, header.first); });
            if (replaced)
                built.replaced_headers.push_back(header.first);
            else
                built.request.headers.push_back(std::move(header));
        }
        for (const auto& credential : credentials) {
            if (!is_valid_header_name(credential.first) || !is_valid_header_value(credential.second))
                return make_error("refused: a forwarded credential header is malformed");
            const auto size = credential.first.size() + credential.second.size();
            if (size > max_header_bytes_each)
                return make_error("refused: the forwarded credential header '" + shorten(credential.first) + "' is " +
                                  std::to_string(size) + " bytes; at most " + std::to_string(max_header_bytes_each) +
                                  " bytes per header (name and value)");
            built.request.headers.push_back(credential);
        }
        if (content_type)
            built.request.headers.emplace_back("Content-Type", *content_type);
        // Each agent header was checked alone; joined cookies, the media type and the sum are checked here.
        if (auto problem = headers_size_problem(built.request.headers)) return make_error("refused: " + *problem);
        if (body) built.request.body = std::move(*body);
        return built;
    }
};

// A declared header parameter given as an array or object, in style simple (the only one for headers):
// blue,black,brown; R,100,G,200 or, exploded, R=100,G=200. Not percent-encoded: header values are text.
std::string header_param_text(bool explode, const json::value& value) {
    std::string out;
    if (const auto* array = value.if_array())
        for (const auto& item : *array) out += (out.empty() ? "" : ",") + item_text(item);
    else
        for (const auto& [field, item] : value.get_object())
            out += (out.empty() ? "" : ",") + std::string(field) + (explode ? "=" : ",") + item_text(item);
    return out;
}

Error no_operation(const Spec& spec, const std::string& method, const std::string& path) {
    std::string message = "no operation " + method + " " + shorten(path) + " in spec '" + spec.title + "'.";
    if (auto hint = suggest_operations(spec, ascii_lower(method), path); !hint.empty()) message += " " + hint;
    return make_error(message + "\nUse list-endpoints or search-endpoints to find the right path.");
}

Expected<BuiltRequest> build_structured(const Spec& spec, const json::object& args, const HeaderList& credentials,
                                        const std::optional<std::string>& base_url) {
    Draft draft;
    draft.spec = &spec;
    auto method = check_method(args.if_contains("method"), "method");
    if (!method) return method.error();
    draft.method = *method;
    const auto* path_arg = args.if_contains("path");
    if (path_arg && !path_arg->is_null() && !path_arg->is_string())
        return make_error("'path' must be a string: the spec path (/cdn/resource/{id}) or a concrete one (/cdn/resource/42)");
    if (!path_arg || path_arg->is_null() || path_arg->get_string().empty())
        return make_error("'path' is required: the spec path (/cdn/resource/{id}) or a concrete one (/cdn/resource/42); "
                          "or pass 'harRequest' instead");
    std::string path(path_arg->get_string());
    if (path.starts_with("http://") || path.starts_with("https://"))
        return make_error("'path' is relative to the API server (e.g. /cdn/resource); for an absolute URL use 'harRequest'");
    if (path.front() != '/') path.insert(0, "/");
    // A '#' may only appear where the spec itself writes one (ReadMe's "/cookies#formExploded" idiom).
    if (path.find('#') != std::string::npos && !spec.find_operation(ascii_lower(draft.method), path))
        return make_error("'path' must not contain a fragment ('#') unless the spec's own path has one");
    std::string raw_query;
    if (const auto question = path.find('?'); question != std::string::npos) {
        raw_query = path.substr(question + 1);
        path.resize(question);
    }

    // A template names the operation directly; a concrete path is matched (literal segments win).
    const auto lower = ascii_lower(draft.method);
    draft.op = spec.find_operation(lower, path);
    if (!draft.op && path.find('{') != std::string::npos) return no_operation(spec, draft.method, path);
    if (!draft.op) {
        auto match = spec.match_path(lower, path);
        if (!match) {
            // An agent may include the server's base path (/v1/...): try without it.
            for (const auto& server : spec.servers) {
                auto target = parse_target(fill_server_defaults(server));
                if (target && !target->prefix.empty() && path.starts_with(target->prefix + "/"))
                    if ((match = spec.match_path(lower, path.substr(target->prefix.size())))) break;
            }
        }
        if (!match) return no_operation(spec, draft.method, path);
        draft.op = match->operation;
        draft.path_values = from_match(match->path_params);
    }
    const Operation& op = *draft.op;

    // "/cdn/resource/{resourceId}" names the same operation as "/cdn/resource/{id}": map names by position.
    std::map<std::string, std::string> renamed;
    if (const auto given = placeholders(path), declared = placeholders(op.path); given.size() == declared.size())
        for (std::size_t i = 0; i < given.size(); ++i) renamed[given[i]] = declared[i];

    if (const auto* params = args.if_contains("pathParams"); params && !params->is_null()) {
        if (!params->is_object()) return with_operation(op, "'pathParams' must be an object of name -> value");
        for (const auto& [name, value] : params->get_object()) {
            std::string key(name);
            if (auto found = renamed.find(key); found != renamed.end()) key = found->second;
            if (op.path.find("{" + key + "}") == std::string::npos)
                return with_operation(op, "unknown path parameter '" + shorten(key) + "'; known path parameters: " + param_names(op, "path"));
            if (auto problem = draft.set_path_value(key, value)) return *problem;
        }
    }
    if (auto problem = draft.add_raw_query(raw_query)) return *problem;
    if (const auto* query = args.if_contains("query"); query && !query->is_null()) {
        if (!query->is_object()) return with_operation(op, "'query' must be an object of name -> value");
        for (const auto& [name, value] : query->get_object())
            if (auto problem = draft.add_query_value(std::string(name), value)) return *problem;
    }
    if (const auto* headers = args.if_contains("headers"); headers && !headers->is_null()) {
        if (!headers->is_object()) return make_error("'headers' must be an object of name -> value");
        for (const auto& [name, value] : headers->get_object()) {
            auto text = scalar_to_string(value);
            if (const auto* p = find_param(op, "header", name); !text && p && (value.is_array() || value.is_object()))
                text = header_param_text(p->explode, value);
            if (!text)
                return make_error("header '" + shorten(name) +
                                  "' must be a string, number or boolean (an array or object only for a declared header "
                                  "parameter)");
            if (auto problem = draft.add_header(std::string(name), *text)) return *problem;
            if (const auto* p = find_param(op, "header", name)) draft.given_values.emplace_back(p, value);
        }
    }
    if (const auto* cookies = args.if_contains("cookies"); cookies && !cookies->is_null()) {
        if (!cookies->is_object()) return with_operation(op, "'cookies' must be an object of name -> value");
        for (const auto& [name, value] : cookies->get_object())
            if (auto problem = draft.add_cookie_value(spec, std::string(name), value)) return *problem;
    }
    if (const auto* type = args.if_contains("contentType"); type && !type->is_null()) {
        if (!type->is_string() || !is_valid_header_value(type->get_string()))
            return make_error("'contentType' must be a media type such as application/json");
        draft.content_type = std::string(type->get_string());
    }
    if (auto problem = draft.set_body(args.if_contains("body"))) return *problem;
    const auto* server = args.if_contains("server");
    auto target = chosen_server_target(spec, op, server ? *server : json::value(), base_url);
    if (!target) return target.error();
    return draft.finish(*target, credentials);
}

// HAR name/value lists: [{name, value}] with scalar values.
Problem for_each_pair(const json::value* list, std::string_view what,
                      const std::function<Problem(const std::string&, const std::string&)>& visit) {
    if (!list || list->is_null()) return std::nullopt;
    if (!list->is_array()) return make_error("harRequest." + std::string(what) + " must be an array of {name, value}");
    for (const auto& item : list->get_array()) {
        const auto* object = item.if_object();
        const auto* name = object ? object->if_contains("name") : nullptr;
        const auto* value = object ? object->if_contains("value") : nullptr;
        auto text = value ? scalar_to_string(*value) : std::optional<std::string>("");
        if (!name || !name->is_string() || !text)
            return make_error("harRequest." + std::string(what) + " entries must be {name: string, value: string}");
        if (auto problem = visit(std::string(name->get_string()), *text)) return problem;
    }
    return std::nullopt;
}

Expected<BuiltRequest> build_har(const Spec& spec, const json::value& har_value, const HeaderList& credentials,
                                 const std::optional<std::string>& base_url) {
    const auto* har = har_value.if_object();
    if (!har) return make_error("'harRequest' must be an object {method, url, headers, queryString, postData}");
    Draft draft;
    draft.spec = &spec;
    auto method = check_method(har->if_contains("method"), "harRequest.method");
    if (!method) return method.error();
    draft.method = *method;
    const auto* url_arg = har->if_contains("url");
    if (!url_arg || !url_arg->is_string()) return make_error("harRequest.url is required: the absolute URL to call");
    if (std::string_view(url_arg->get_string()).find('{') != std::string_view::npos)
        return make_error("harRequest.url still contains a {placeholder}: substitute the actual values");
    auto url = parse_http_url(url_arg->get_string());
    if (!url) return url.error();

    // Only the spec's servers (or base_url) may receive the caller's credentials.
    const auto targets = allowed_targets(spec, base_url);
    std::vector<const Target*> candidates;
    for (const auto& target : targets)
        if (target.origin == url->origin) candidates.push_back(&target);
    if (candidates.empty()) {
        std::vector<std::string> allowed;
        for (const auto& target : targets)
            if (auto text = target.origin.to_string(); std::find(allowed.begin(), allowed.end(), text) == allowed.end())
                allowed.push_back(text);
        std::string list;
        for (const auto& text : allowed) list += (list.empty() ? "" : ", ") + text;
        return make_error("refused: " + shorten(url->origin.to_string()) + " is not a server of spec '" + spec.title +
                          "' (allowed: " + (list.empty() ? "none" : list) + ")");
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Target* a, const Target* b) { return a->prefix.size() > b->prefix.size(); });

    // The server's base path is stripped before matching and kept when building the target.
    const Target* chosen = nullptr;
    std::string rest;
    const auto lower = ascii_lower(draft.method);
    for (const auto* candidate : candidates) {
        if (url->path != candidate->prefix && !url->path.starts_with(candidate->prefix + "/")) continue;
        auto remainder = url->path.substr(candidate->prefix.size());
        if (remainder.empty()) remainder = "/";
        if (rest.empty()) rest = remainder;
        if (auto match = spec.match_path(lower, remainder)) {
            chosen = candidate;
            draft.op = match->operation;
            draft.path_values = from_match(match->path_params);
            break;
        }
    }
    if (!chosen) return no_operation(spec, draft.method, rest.empty() ? url->path : rest);

    if (auto problem = draft.add_raw_query(url->query)) return *problem;
    if (auto problem = for_each_pair(har->if_contains("queryString"), "queryString",
                                     [&](const std::string& name, const std::string& value) -> Problem {
                                         if (auto p = draft.add_query_name(name)) return p;
                                         if (const auto* p = find_param(*draft.op, "query", name))
                                             draft.given_values.emplace_back(p, json::string(value));
                                         draft.add_pair(percent_encode(name), percent_encode(value));
                                         return std::nullopt;
                                     }))
        return *problem;
    if (auto problem = for_each_pair(har->if_contains("headers"), "headers",
                                     [&](const std::string& name, const std::string& value) {
                                         return draft.add_header(name, value);
                                     }))
        return *problem;
    std::string cookie;
    if (auto problem = for_each_pair(har->if_contains("cookies"), "cookies",
                                     [&](const std::string& name, const std::string& value) -> Problem {
                                         if (!is_valid_header_name(name) || value.find(';') != std::string::npos ||
                                             !is_valid_header_value(value))
                                             return make_error("refused: cookie '" + shorten(name) + "' has an invalid name or value");
                                         cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
                                         return std::nullopt;
                                     }))
        return *problem;
    if (!cookie.empty()) {  // joins a Cookie header the agent may also have sent
        auto existing = std::find_if(draft.headers.begin(), draft.headers.end(),
                                     [](const auto& h) { return iequals(h.first, "cookie"); });
        if (existing != draft.headers.end())
            existing->second += "; " + cookie;
        else
            draft.headers.emplace_back("Cookie", cookie);
    }

    if (const auto* post = har->if_contains("postData"); post && !post->is_null()) {
        const auto* post_object = post->if_object();
        if (!post_object) return make_error("harRequest.postData must be an object {mimeType, text}");
        if (const auto* mime = post_object->if_contains("mimeType"); mime && mime->is_string() && !mime->get_string().empty()) {
            if (!is_valid_header_value(mime->get_string())) return make_error("refused: postData.mimeType contains a control character (CR, LF, NUL, ...)");
            draft.content_type = std::string(mime->get_string());
        }
        // No media type given: the operation's one, so the body is checked as what it will be sent as. With
        // several to choose from, the agent says which (octet-stream would skip every check of the body).
        if (const auto* declared = body_content(*draft.op);
            !draft.content_type && declared && !declared->empty() && post_object->contains("text")) {
            if (declared->size() > 1)
                return with_operation(*draft.op, "harRequest.postData needs a mimeType: " + ascii_upper(draft.op->method) +
                                                     " " + draft.op->path + " takes " + media_types(*draft.op));
            if (const std::string only(declared->begin()->key()); only.find('*') == std::string::npos)
                draft.content_type = only;
        }
        if (draft.content_type && body_content(*draft.op) && !body_content(*draft.op)->empty() &&
            !media_entry(*draft.op, *draft.content_type))
            return with_operation(*draft.op, "harRequest.postData.mimeType '" + shorten(*draft.content_type) +
                                                 "' is not one that " + ascii_upper(draft.op->method) + " " + draft.op->path +
                                                 " takes: " + media_types(*draft.op));
        if (const auto* text = post_object->if_contains("text"); text && text->is_string()) {
            draft.body = std::string(text->get_string());  // already the exact body: sent as-is
            if (!draft.content_type) draft.content_type = "application/octet-stream";
            if (is_json_media(*draft.content_type) && !draft.body->empty()) {
                json::error_code ec;
                auto parsed = json::parse(*draft.body, ec);
                if (ec)
                    return with_operation(*draft.op, "harRequest.postData.text is not valid JSON (" + ec.message() +
                                                         "), but its mimeType is " + shorten(*draft.content_type));
                // The body is checked as parsed (last value wins) but sent as written: the API may take the first.
                if (auto twice = first_duplicate_key(*draft.body))
                    return with_operation(*draft.op, "harRequest.postData.text has the key \"" + shorten(*twice) +
                                                         "\" twice in one object; send it once");
                draft.body_value = std::move(parsed);
            }
        } else if (const auto* params = post_object->if_contains("params"); params && params->is_array()) {
            // HAR form fields: {name, value} or, in multipart, {name, fileName, contentType, value}.
            json::object fields;
            for (const auto& item : params->get_array()) {
                const auto* field = item.if_object();
                const auto* name = field ? field->if_contains("name") : nullptr;
                if (!name || !name->is_string()) return make_error("harRequest.postData.params entries need a name");
                const auto* value = field->if_contains("value");
                const auto text = value ? scalar_to_string(*value).value_or("") : std::string();
                if (const auto* file = field->if_contains("fileName"); file && file->is_string()) {
                    json::object part{{"filename", *file}, {"content", text}};
                    if (const auto* type = field->if_contains("contentType"); type && type->is_string()) part["contentType"] = *type;
                    fields[name->get_string()] = std::move(part);
                } else {
                    fields[name->get_string()] = text;
                }
            }
            const auto type = ascii_lower(draft.content_type.value_or(""));
            draft.body_value = fields;
            if (type.starts_with("multipart/form-data")) {
                auto form = multipart_form(fields);
                if (!form) return form.error();
                draft.body = std::move(form->body);
                draft.content_type = std::move(form->content_type);
            } else if (type.starts_with("application/x-www-form-urlencoded")) {
                draft.body = form_urlencode(fields);
            } else {
                return make_error("harRequest.postData.params needs mimeType application/x-www-form-urlencoded or "
                                  "multipart/form-data; send other bodies as postData.text");
            }
        }
    }
    if (draft.body && takes_no_body(*draft.op, draft.method)) {
        if (!draft.body->empty()) return *draft.unexpected_body("harRequest.postData");
        draft.body.reset();  // an empty postData.text, as HAR tools write for any method: nothing to send
    }
    if (!draft.body)
        if (auto problem = draft.set_body(nullptr)) return *problem;  // only checks a required body

    Target target = *chosen;
    if (base_url) {  // a call to the spec's real server is rewritten to base_url, same operation path
        auto configured = parse_target(*base_url);
        if (!configured) return make_error("the configured base URL is unusable: " + configured.error().message);
        if (!(chosen->origin == configured->origin && chosen->prefix == configured->prefix)) target = *configured;
    }
    return draft.finish(target, credentials);
}

}  // namespace

Expected<BuiltRequest> build_request(const Spec& spec, const json::object& args, const HeaderList& credentials,
                                     const std::optional<std::string>& base_url) {
    if (const auto* har = args.if_contains("harRequest"); har && !har->is_null()) {
        std::string mixed;  // which of the two forms was meant is a guess: ask instead
        for (const auto field : structured_fields)
            if (const auto* value = args.if_contains(field); value && !value->is_null())
                mixed += (mixed.empty() ? "'" : ", '") + std::string(field) + "'";
        if (!mixed.empty())
            return make_error("give either 'harRequest' or the structured fields, not both: 'harRequest' came with " + mixed);
        return build_har(spec, *har, credentials, base_url);
    }
    return build_structured(spec, args, credentials, base_url);
}

}  // namespace mamute::upstream
