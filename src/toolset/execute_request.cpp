#include "toolset/execute_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <algorithm>
#include <chrono>
#include <optional>

#include "catalog/text.hpp"
#include "common/encoding.hpp"
#include "common/log.hpp"
#include "toolset/json_schema.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/serialization.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::toolset {

namespace json = boost::json;
namespace asio = boost::asio;
using upstream::HeaderList;

namespace {

constexpr const char* description = R"(Make a live call to an API described by a loaded spec.
The call is checked against the spec first (operation, path/query/header/cookie parameters, request body) and is only sent to the spec's own servers (or the base URL mamute-mcp was started with); anything else is refused and nothing is sent.
Credentials: the X-API-Key and Authorization headers of this MCP connection are forwarded with the call where the operation's security schemes take them (an apiKey scheme's header, query parameter or cookie; Authorization for bearer/OAuth schemes; nothing for an operation with "security": []), and win over values given here (the result's "note" says when one of yours was not sent). Only when the connection has none is an X-API-Key or Authorization given in headers sent as it is; prefer connection credentials to putting keys in the arguments.

Two argument forms (use one, never both; unknown arguments are refused):
1. Structured: {"method": "GET", "path": "/cdn/resource/{id}", "pathParams": {"id": "42"}, "query": {"limit": 10}}
   path may also be concrete ("/cdn/resource/42"). cookies takes cookie parameters by name. Values are checked against the operation's schemas (types, enums, required and unknown properties) and every problem is reported at once.
   body is any JSON value, sent as the operation's JSON media type unless contentType names another one the operation takes: then give the exact text as a string, {"base64": "..."} for binary data, or an object for application/x-www-form-urlencoded and multipart/form-data (a file field as {"filename": "index.html", "content": "<h1>hi</h1>", "contentType": "text/html"}, or with "base64" instead of "content").
   server picks one of the operation's servers and its variables: {"url": "https://{region}.api.example.com", "variables": {"region": "eu"}} (see get-server-variables); host variables only take the values the spec lists.
2. HAR, as ReadMe's MCP servers take it: {"harRequest": {"method": "POST", "url": "https://api.mamutecloud.com/security/apikey", "headers": [{"name": "content-type", "value": "application/json"}], "postData": {"mimeType": "application/json", "text": "{\"name\": \"deploy-key\"}"}}}

title picks the spec when several are loaded (see list-specs); get-endpoint shows an operation's parameters.
Result: JSON {request, status, statusText, headers, body}; status >= 400 comes back with isError (and the same JSON). Large bodies are cut and say so in "truncated". An image response comes as an image content item after the JSON. Same-origin redirects are followed and listed in "redirects"; a redirect to another origin is returned as it is, with a note.)";

// Response headers worth an agent's attention; the rest is noise or could carry cookies.
bool keep_header(const std::string& name) {
    static constexpr std::string_view exact[] = {"content-type", "content-encoding", "location",         "retry-after",
                                                 "x-request-id", "request-id",       "x-correlation-id", "etag"};
    for (auto wanted : exact)
        if (name == wanted) return true;
    return name.starts_with("x-ratelimit-") || name.starts_with("x-rate-limit-") || name.starts_with("ratelimit");
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto length = utf8_sequence_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

// Cuts valid UTF-8 at most `limit` bytes long without splitting a character.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}


// The media type without parameters, lower-cased: "Image/PNG; x=1" -> "image/png".
std::string media_type(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    return ascii_lower(type);
}

// Raster images reach the model as image content; SVG is XML text and reads better as text.
bool is_image(std::string_view media) {
    return media.starts_with("image/") && media.size() > 6 && media != "image/svg+xml";
}

std::size_t base64_size(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

enum class Destination { same_origin, other_origin, invalid };

// Where a Location the client did not follow points, seen from the request's origin. Relative references
// stay on it; anything absolute that parse_http_url refuses (another scheme, userinfo) counts as leaving.
Destination destination(const upstream::Origin& origin, std::string_view location) {
    const auto reference = boost::urls::parse_uri_reference(location);
    if (!reference) return Destination::invalid;
    if (!reference->has_scheme() && !reference->has_authority()) return Destination::same_origin;
    const auto absolute = reference->has_scheme() ? std::string(location) : origin.scheme + ":" + std::string(location);
    const auto parsed = upstream::parse_http_url(absolute);
    return parsed && parsed->origin == origin ? Destination::same_origin : Destination::other_origin;
}

// The client follows only same-origin redirects with a valid Location, up to a limit: say which stopped it.
std::string unfollowed_note(const upstream::Request& request, const upstream::Response& response) {
    const auto& location = *response.redirect_not_followed;
    const auto start = "redirect to " + catalog::shorten(location) + " was not followed: ";
    switch (destination(request.origin, location)) {
        case Destination::other_origin:
            return start + "it leaves " + request.origin.to_string() +
                   " (only same-origin redirects are followed; call it yourself if it is one of the spec's servers)";
        case Destination::invalid: return start + "the location is not a valid URL";
        case Destination::same_origin: break;
    }
    return start + "the redirect limit was reached (" + std::to_string(response.followed_redirects.size()) + " followed)";
}

std::string truncation_note(std::size_t shown, std::size_t total) {
    return "showing " + std::to_string(shown) + " of " + std::to_string(total) + " bytes";
}

std::string_view kind_name(upstream::FailureKind kind) {
    switch (kind) {
        case upstream::FailureKind::resolve: return "resolve";
        case upstream::FailureKind::connect: return "connect";
        case upstream::FailureKind::tls: return "tls";
        case upstream::FailureKind::timeout: return "timeout";
        case upstream::FailureKind::send: return "send";
        case upstream::FailureKind::receive: return "receive";
        case upstream::FailureKind::too_large: return "too_large";
        case upstream::FailureKind::protocol: return "protocol";
        case upstream::FailureKind::refused: return "refused";
        case upstream::FailureKind::redirect: return "redirect";
    }
    return "unknown";
}

std::string request_line(const upstream::Request& request) {
    return request.method + " " + request.origin.to_string() + request.target;
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

std::string join_notes(const std::vector<std::string>& notes) {
    std::string out;
    for (const auto& note : notes) out += (out.empty() ? "" : "; ") + note;
    return out;
}

}  // namespace

json::object execute_request_definition() {
    const json::object pair_list{
        {"type", "array"},
        {"items", json::object{{"type", "object"},
                               {"properties", json::object{{"name", json::object{{"type", "string"}}},
                                                           {"value", json::object{{"type", "string"}}}}},
                               {"required", json::array{"name", "value"}}}}};
    json::object properties{
        {"title", json::object{{"type", "string"}, {"description", "Spec title (list-specs); optional when one spec is loaded"}}},
        {"method", json::object{{"type", "string"}, {"description", "Structured form: HTTP method, e.g. GET, POST"}}},
        {"path", json::object{{"type", "string"},
                              {"description", "Structured form: the spec path (/cdn/resource/{id}) or a concrete path "
                                              "(/cdn/resource/42), without the server URL"}}},
        {"pathParams", json::object{{"type", "object"}, {"description", "Values for {placeholders} in path"}}},
        {"query", json::object{{"type", "object"},
                               {"description", "Query parameters: name -> value (arrays for repeated values)"}}},
        {"headers", json::object{{"type", "object"}, {"description", "Extra request headers: name -> value"}}},
        {"cookies", json::object{{"type", "object"},
                                 {"description", "Cookie parameters: name -> value (sent in one Cookie header, "
                                                 "serialised per the parameter's style)"}}},
        {"server", json::object{{"type", "object"},
                                {"description", "Which of the spec's servers to call and its variables: "
                                                "{\"url\": \"https://{region}.api.example.com\", \"variables\": "
                                                "{\"region\": \"eu\"}} (both optional; default: the operation's "
                                                "first server with default variables; see get-server-variables)"}}},
        // Any JSON value; the type list is spelled out because strict schema checkers warn about a missing type.
        {"body", json::object{{"type", json::array{"object", "array", "string", "number", "integer", "boolean", "null"}},
                              {"description", "Request body: any JSON value (sent as application/json unless contentType "
                                              "says otherwise, then a string sent as-is). Only for operations that take "
                                              "a request body."}}},
        {"contentType", json::object{{"type", "string"}, {"description", "Media type of body; default from the spec"}}},
        {"harRequest",
         json::object{{"type", "object"},
                      {"description", "HAR form (instead of method/path/...): the request with an absolute URL on one "
                                      "of the spec's servers"},
                      {"properties", json::object{{"method", json::object{{"type", "string"}}},
                                                  {"url", json::object{{"type", "string"}}},
                                                  {"headers", pair_list},
                                                  {"queryString", pair_list},
                                                  {"postData", json::object{{"type", "object"},
                                                                            {"properties", json::object{
                                                                                {"mimeType", json::object{{"type", "string"}}},
                                                                                {"text", json::object{{"type", "string"}}}}}}}}},
                      {"required", json::array{"method", "url"}}}}};
    // What render_response produces. An upstream status >= 400 has the same shape (and isError); a call
    // refused before sending or a transport failure is an isError text with no structuredContent.
    auto output = schema::object(
        {{"request", schema::string("The request line as sent: METHOD absolute-URL")},
         {"status", schema::integer("HTTP status code from the API")},
         {"statusText", schema::string("HTTP reason phrase; may be empty")},
         {"headers", schema::map_of(schema::string(),
                                    "Selected response headers, lower-case names (content-type, location, etag, "
                                    "retry-after, rate limits, request ids)")},
         {"body", schema::any("Response body: parsed JSON for JSON media types, else UTF-8 text; an image "
                              "is {mimeType, bytes, image} and comes as an image content item after the text; "
                              "other binary data (and an image over the size limit) is {base64, bytes}")},
         {"truncated", schema::string("Present when the body was cut: \"showing N of M bytes\"")},
         {"redirects", schema::array_of(schema::string(), "Same-origin redirects followed, in order: "
                                                          "\"301 -> /new/path\"; absent when none")},
         {"note", schema::string("Hints joined by \"; \": an argument header replaced by the connection's "
                                 "credential, a redirect that was not followed and why, or that no credentials "
                                 "were forwarded on a 401/403")}},
        {"request", "status", "statusText", "headers", "body"});
    return json::object{
        {"name", "execute-request"},
        {"title", "Execute an API request"},
        {"description", description},
        {"inputSchema",
         json::object{{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}}},
        {"outputSchema", std::move(output)},
        {"annotations", json::object{{"title", "Execute an API request"},
                                     {"readOnlyHint", false},
                                     {"destructiveHint", true},
                                     {"idempotentHint", false},
                                     {"openWorldHint", true}}}};
}

namespace {
std::size_t find_ignoring_case(std::string_view text, std::string_view needle, std::size_t from) {
    if (from > text.size()) return std::string::npos;
    const auto lower = [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
    const auto found = std::search(text.begin() + static_cast<std::ptrdiff_t>(from), text.end(), needle.begin(),
                                   needle.end(), [&](char a, char b) { return lower(a) == lower(b); });
    return found == text.end() ? std::string::npos : static_cast<std::size_t>(found - text.begin());
}
}  // namespace

std::string redact(std::string text, const HeaderList& credentials) {
    std::vector<std::string> secrets;
    for (const auto& [name, value] : credentials) {
        secrets.push_back(value);
        if (const auto space = value.find(' '); space != std::string::npos) secrets.push_back(value.substr(space + 1));
    }
    for (auto secret : secrets) {
        // Short values would blank out ordinary text; real keys and tokens are far longer.
        if (secret.size() < 4) continue;
        const auto escaped = json::serialize(json::string(secret));  // as it appears inside JSON text
        // Also as it appears in a URL, where a key placed in a query parameter is percent-encoded.
        // In any letter case: a key placed in a URL's host comes back lower-cased, and most of it is still the key.
        for (const auto& needle : {secret, escaped.substr(1, escaped.size() - 2), upstream::percent_encode(secret)}) {
            for (auto at = find_ignoring_case(text, needle, 0); at != std::string::npos;
                 at = find_ignoring_case(text, needle, at + 10))
                text.replace(at, needle.size(), "[redacted]");
        }
    }
    return text;
}

void redact_json(json::value& value, const HeaderList& credentials) {
    if (credentials.empty()) return;
    if (auto* text = value.if_string()) {
        if (auto clean = redact(std::string(*text), credentials); clean != *text) *text = clean;
    } else if (auto* array = value.if_array()) {
        for (auto& item : *array) redact_json(item, credentials);
    } else if (auto* object = value.if_object()) {
        bool renamed = false;
        for (auto& [key, item] : *object) {
            redact_json(item, credentials);
            renamed = renamed || redact(std::string(key), credentials) != key;
        }
        if (!renamed) return;
        json::object clean;
        for (auto& [key, item] : *object) clean[redact(std::string(key), credentials)] = std::move(item);
        *object = std::move(clean);
    } else if (value.is_number()) {
        // A numeric key (all digits) echoed as a JSON number: show it as the redacted text.
        const auto number = json::serialize(value);
        if (auto clean = redact(number, credentials); clean != number) value = json::string(clean);
    }
}

ToolResult render_response(const upstream::Request& request, const upstream::Response& response,
                           std::size_t max_body_bytes, const HeaderList& credentials,
                           const std::vector<std::string>& notes) {
    json::object headers;
    std::string content_type, content_encoding;
    for (const auto& [name, value] : response.headers) {
        auto lower = ascii_lower(name);
        if (lower == "content-type") content_type = value;
        if (lower == "content-encoding") content_encoding = value;
        if (keep_header(lower)) headers[lower] = value;
    }
    json::object out{{"request", request_line(request)},
                     {"status", response.status},
                     {"statusText", response.reason},
                     {"headers", std::move(headers)}};
    const auto& body = response.body;
    const auto media = media_type(content_type);
    const bool image = is_image(media) && !body.empty();
    std::optional<json::object> image_item;
    bool rendered = false;
    if (upstream::is_json_media(content_type) && !body.empty()) {
        json::error_code ec;
        auto parsed = json::parse(body, ec);
        if (!ec && json::serialize(parsed).size() <= max_body_bytes) {
            out["body"] = std::move(parsed);
            rendered = true;
        }
    }
    if (image && base64_size(body.size()) <= max_body_bytes) {
        out["body"] = json::object{
            {"mimeType", media}, {"bytes", body.size()}, {"image", "sent as the image content item after this text"}};
        image_item = image_content(base64_encode(body), media);
        rendered = true;
    }
    // An image too large to send is cut like any other binary, never shown as text.
    if (!rendered && !image && is_valid_utf8(body)) {
        const auto shown = utf8_prefix(body, max_body_bytes);
        out["body"] = shown;
        if (shown.size() < body.size()) out["truncated"] = truncation_note(shown.size(), body.size());
    } else if (!rendered) {
        const auto shown = std::string_view(body).substr(0, max_body_bytes / 4 * 3);  // base64 grows by 4/3
        out["body"] = json::object{{"base64", base64_encode(shown)}, {"bytes", body.size()}};
        if (shown.size() < body.size()) out["truncated"] = truncation_note(shown.size(), body.size());
    }
    if (!response.followed_redirects.empty()) {
        json::array redirects;
        for (const auto& step : response.followed_redirects) redirects.emplace_back(step);
        out["redirects"] = std::move(redirects);
    }
    auto all_notes = notes;
    if (!content_encoding.empty() && !catalog::iequals(content_encoding, "identity"))
        all_notes.push_back("the API compressed the body (Content-Encoding: " + catalog::shorten(content_encoding) +
                            ") though the request asked for none; it is shown as it came");
    if (response.redirect_not_followed) all_notes.push_back(unfollowed_note(request, response));
    if ((response.status == 401 || response.status == 403) && credentials.empty())
        all_notes.push_back("no credentials were forwarded: add an X-API-Key or Authorization header to the MCP connection");
    if (!all_notes.empty()) out["note"] = join_notes(all_notes);
    json::value structured = std::move(out);
    redact_json(structured, credentials);
    // Upstream errors keep the structured result: the status and body are what the agent needs, and the
    // object still matches the outputSchema (clients validate structuredContent whenever it is present).
    auto result = structured_result(std::move(structured.as_object()));
    if (image_item) result.content.push_back(std::move(*image_item));
    result.is_error = response.status >= 400;
    return result;
}

ToolResult render_failure(const upstream::Request& request, const upstream::Failure& failure,
                          const HeaderList& credentials, const std::vector<std::string>& notes) {
    json::object out{{"request", request_line(request)}, {"error", failure.message}, {"kind", kind_name(failure.kind)}};
    if (!notes.empty()) out["note"] = join_notes(notes);
    return error_result(redact(json::serialize(out), credentials));
}

asio::awaitable<ToolResult> execute_request(const catalog::Catalog& catalog, const upstream::Client& client,
                                            const config::UpstreamConfig& config, const json::object& args,
                                            const CallContext& context, observability::Metrics* metrics) {
    auto logger = log::get("upstream");
    static const std::vector<std::string> accepted = argument_names(execute_request_definition());
    // Argument names are echoed too: one holding a key must not bring it back.
    if (auto unknown = unknown_arguments(args, "execute-request", accepted))
        co_return error_result(redact(*unknown, context.credentials));
    std::string title;
    if (const auto* value = args.if_contains("title"); value && !value->is_null()) {
        if (!value->is_string()) co_return error_result("'title' must be a string (see list-specs)");
        title = value->get_string();
    }
    auto spec = catalog.find(title);
    if (!spec) co_return error_result(redact(spec.error().message, context.credentials));

    auto built = upstream::build_request(**spec, args, context.credentials, config.base_url);
    if (!built) {
        logger->debug("[{}] execute-request not sent: invalid arguments", context.request_id);
        co_return error_result(redact(built.error().message, context.credentials));
    }
    // Only what identifies the call: never header values, query strings or bodies.
    const auto method = built->request.method;
    const auto origin = built->request.origin.to_string();
    const auto path = built->operation ? built->operation->path : path_of(built->request.target);
    const auto request = built->request;  // kept for the result text; the client takes its own copy
    std::vector<std::string> notes;  // names only: the agent's value may be a key of its own
    for (const auto& name : built->replaced_headers)
        notes.push_back("header '" + catalog::shorten(name) + "' from the arguments was not sent: this MCP connection's own credential "
                        "is used instead");
    const auto sent_at = std::chrono::steady_clock::now();
    auto response = co_await client.send(std::move(built->request));
    if (metrics) {
        metrics->upstream_call(std::chrono::steady_clock::now() - sent_at);
        if (!response) metrics->upstream_failure(response.error().kind);
    }
    if (!response) {
        logger->warn("[{}] {} {} {} failed ({}): {}", context.request_id, method, origin, path,
                     kind_name(response.error().kind), redact(response.error().message, context.credentials));
        co_return render_failure(request, response.error(), context.credentials, notes);
    }
    logger->info("[{}] {} {} {} -> {} in {} ms", context.request_id, method, origin, path, response->status,
                 std::chrono::duration_cast<std::chrono::milliseconds>(response->elapsed).count());
    co_return render_response(request, *response, config.max_result_body_bytes, context.credentials, notes);
}

}  // namespace mamute::toolset
