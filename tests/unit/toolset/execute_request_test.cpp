#include "toolset/execute_request.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "../upstream/spec_fixture.hpp"
#include "schema_check.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using namespace mamute;
using namespace mamute::toolset;

namespace {

upstream::Request sample_request() {
    return upstream::Request{upstream::Origin{"https", "api.mamutecloud.com", 443}, "GET", "/cdn/resource/42", {}, {}};
}

upstream::Response response(unsigned status, std::string content_type, std::string body, upstream::HeaderList extra = {}) {
    upstream::Response r;
    r.status = status;
    r.reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Unauthorized";
    r.headers = {{"Content-Type", std::move(content_type)}, {"Set-Cookie", "session=abc"}, {"Server", "nginx"}};
    r.headers.insert(r.headers.end(), extra.begin(), extra.end());
    r.body = std::move(body);
    return r;
}

// structuredContent of the rendered response, checked against the outputSchema and the text item; isError
// exactly from status 400 up.
json::object rendered(const upstream::Response& r, std::size_t max = 64 * 1024, const upstream::HeaderList& credentials = {}) {
    return testing::structured_ok(execute_request_definition(), render_response(sample_request(), r, max, credentials),
                                  r.status >= 400);
}

}  // namespace

TEST_CASE("execute-request definition", "[toolset][execute]") {
    const auto tool = execute_request_definition();
    CHECK(tool.at("name") == "execute-request");
    CHECK_THAT(std::string(tool.at("description").as_string()), Catch::Contains("harRequest") && Catch::Contains("X-API-Key"));
    const auto& schema = tool.at("inputSchema").as_object();
    CHECK(schema.at("type") == "object");
    for (const auto* name : {"title", "method", "path", "pathParams", "query", "headers", "body", "contentType", "harRequest"})
        CHECK(schema.at("properties").as_object().contains(name));
    const auto& annotations = tool.at("annotations").as_object();
    CHECK(annotations.at("readOnlyHint") == false);
    CHECK(annotations.at("destructiveHint") == true);
    CHECK(annotations.at("idempotentHint") == false);
    CHECK(annotations.at("openWorldHint") == true);

    testing::check_output_schema(tool);
    const json::value output = tool.at("outputSchema");
    CHECK(output.at("required") == json::array{"request", "status", "statusText", "headers", "body"});
    CHECK(output.at_pointer("/properties/status/type") == "integer");
    CHECK(output.at_pointer("/properties/headers/additionalProperties/type") == "string");
    CHECK_FALSE(output.at_pointer("/properties/body").as_object().contains("type"));  // any JSON value
    for (const auto* name : {"truncated", "note", "redirects"}) CHECK(output.at("properties").as_object().contains(name));
    CHECK(output.at_pointer("/properties/redirects/items/type") == "string");
}

TEST_CASE("render: JSON bodies are parsed, headers filtered", "[toolset][execute]") {
    auto out = rendered(response(200, "application/json; charset=utf-8", R"({"id": 42, "name": "site"})",
                                 {{"X-RateLimit-Remaining", "99"}, {"ETag", "\"v1\""}, {"Location", "/x"},
                                  {"Retry-After", "30"}, {"X-Rate-Limit-Reset", "60"}, {"RateLimit-Policy", "100;w=60"},
                                  {"X-Correlation-Id", "c-1"}, {"Request-Id", "r-2"}}));
    CHECK(out.at("status") == 200);
    CHECK(out.at("statusText") == "OK");
    CHECK(out.at("request") == "GET https://api.mamutecloud.com/cdn/resource/42");
    CHECK(out.at("body") == json::parse(R"({"id": 42, "name": "site"})"));
    const auto& headers = out.at("headers").as_object();
    CHECK(headers.at("content-type") == "application/json; charset=utf-8");
    CHECK(headers.at("x-ratelimit-remaining") == "99");
    CHECK(headers.at("etag") == "\"v1\"");
    CHECK(headers.at("location") == "/x");
    for (const auto* name : {"retry-after", "x-rate-limit-reset", "ratelimit-policy", "x-correlation-id", "request-id"})
        CHECK(headers.contains(name));
    CHECK_FALSE(headers.contains("set-cookie"));
    CHECK_FALSE(headers.contains("server"));
    CHECK_FALSE(out.contains("truncated"));
    // Invalid JSON under a JSON content type falls back to text.
    CHECK(rendered(response(200, "application/problem+json", "{oops")).at("body") == "{oops");
}

TEST_CASE("render: text, binary and truncation", "[toolset][execute]") {
    CHECK(rendered(response(200, "text/html", "<h1>hi</h1>")).at("body") == "<h1>hi</h1>");
    auto binary = rendered(response(200, "application/octet-stream", std::string("\x89PNG\r\n\x1a\n\0\xff", 10)));
    CHECK(binary.at("body") == json::parse(R"({"base64": "iVBORw0KGgoA/w==", "bytes": 10})"));

    auto text = rendered(response(200, "text/plain", std::string(100, 'a')), 10);
    CHECK(text.at("body") == "aaaaaaaaaa");
    CHECK(text.at("truncated") == "showing 10 of 100 bytes");
    auto utf8 = rendered(response(200, "text/plain", "ééééé"), 5);  // 2-byte characters: never split one
    CHECK(utf8.at("body") == "éé");
    CHECK(utf8.at("truncated") == "showing 4 of 10 bytes");
    auto big_json = rendered(response(200, "application/json", R"({"items": [1, 2, 3, 4, 5, 6]})"), 12);
    CHECK(big_json.at("body") == R"({"items": [1)");
    CHECK(big_json.at("truncated") == "showing 12 of 29 bytes");
    auto big_binary = rendered(response(200, "application/octet-stream", std::string(100, '\xff')), 8);
    CHECK(big_binary.at("body").at("bytes") == 100);
    CHECK(big_binary.at("body").at("base64") == "////////");  // 6 raw bytes fit in 8 base64 characters
    CHECK(big_binary.at("truncated") == "showing 6 of 100 bytes");
}

TEST_CASE("render: isError from status 400 up, hint when no credentials", "[toolset][execute]") {
    CHECK_FALSE(render_response(sample_request(), response(200, "text/plain", "ok"), 1024, {}).is_error);
    CHECK_FALSE(render_response(sample_request(), response(302, "text/plain", ""), 1024, {}).is_error);
    // An upstream error is still an HTTP response: isError, with the same structured result.
    auto missing = render_response(sample_request(), response(404, "application/json", R"({"error":"nope"})"), 1024, {});
    CHECK(missing.is_error);
    const auto structured = testing::structured_ok(execute_request_definition(), missing, true);
    CHECK(structured.at("status") == 404);
    CHECK(structured.at("statusText") == "Not Found");
    CHECK(structured.at("body") == json::parse(R"({"error":"nope"})"));
    CHECK(missing.to_json().at("isError") == true);
    auto unauthorized = rendered(response(401, "application/json", "{}"));
    CHECK_THAT(std::string(unauthorized.at("note").as_string()), Catch::Contains("X-API-Key"));
}

TEST_CASE("render: forwarded credential values are redacted", "[toolset][execute]") {
    const upstream::HeaderList credentials{{"X-API-Key", "mk_live_0123456789"}, {"Authorization", "Bearer eyJtoken.part"}};
    auto result = render_response(sample_request(),
                                  response(200, "application/json",
                                           R"({"echo": "mk_live_0123456789", "auth": "Bearer eyJtoken.part", "t": "eyJtoken.part"})"),
                                  1024, credentials);
    const auto structured = testing::structured_ok(execute_request_definition(), result);
    const auto wire = json::serialize(result.to_json());  // text and structuredContent
    CHECK(wire.find("mk_live_0123456789") == std::string::npos);
    CHECK(wire.find("eyJtoken.part") == std::string::npos);
    CHECK(structured.at("body") == json::parse(R"({"echo": "[redacted]", "auth": "[redacted]", "t": "[redacted]"})"));
    CHECK(redact("key \"quoted\\\" ok", {{"X-API-Key", "\"quoted\\"}}) == "key [redacted]\" ok");
    // A key placed in a URL's host comes back lower-cased.
    CHECK(redact("GET https://mk_live_abcdef.example.com/x", {{"X-API-Key", "MK_Live_ABCdef"}}) ==
          "GET https://[redacted].example.com/x");
}

TEST_CASE("render: redaction reaches keys, numbers and text bodies without breaking the JSON", "[toolset][execute]") {
    const upstream::HeaderList credentials{{"X-API-Key", "424242424242"}, {"Authorization", "Bearer \"tok\\en\""}};
    auto structured = rendered(response(200, "application/json",
                                        R"({"424242424242": {"n": 424242424242, "ok": 7, "q": "\"tok\\en\""}, "list": [1, "x424242424242y"]})"),
                               1024, credentials);
    CHECK(structured.at("body") ==
          json::parse(R"({"[redacted]": {"n": "[redacted]", "ok": 7, "q": "[redacted]"}, "list": [1, "x[redacted]y"]})"));
    // A text body holding JSON text: the escaped form of a credential is caught too.
    auto text = rendered(response(200, "text/plain", R"({"q": "\"tok\\en\""})"), 1024, credentials);
    CHECK(text.at("body") == R"({"q": "[redacted]"})");
    // Without credentials nothing changes.
    json::value same = json::parse(R"({"a": ["424242424242", 424242424242]})");
    redact_json(same, {});
    CHECK(same == json::parse(R"({"a": ["424242424242", 424242424242]})"));
}

TEST_CASE("render: transport failures", "[toolset][execute]") {
    auto result = render_failure(sample_request(), upstream::Failure{upstream::FailureKind::timeout, "timed out after 30000 ms"}, {});
    auto out = json::parse(testing::error_only(result));  // nothing came back: no structuredContent
    CHECK(out.at("kind") == "timeout");
    CHECK(out.at("error") == "timed out after 30000 ms");
    CHECK(out.at("request") == "GET https://api.mamutecloud.com/cdn/resource/42");
}

namespace {

// One in-process upstream: records the request, echoes the API key back (a hostile or careless API).
asio::awaitable<void> echo_server(asio::ip::tcp::acceptor& acceptor, http::request<http::string_body>& seen) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    boost::beast::flat_buffer buffer;
    if (auto [read_ec, n] = co_await http::async_read(socket, buffer, seen, use_tuple); read_ec) co_return;
    const std::string body = R"({"your_key": ")" + std::string(seen["X-API-Key"]) + R"("})";
    const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    co_await asio::async_write(socket, asio::buffer(bytes), use_tuple);
}

ToolResult run_tool(asio::io_context& io, const catalog::Catalog& catalog, const upstream::Client& client,
                    const config::UpstreamConfig& config, const std::string& args, const CallContext& context) {
    std::optional<ToolResult> result;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            result = co_await execute_request(catalog, client, config, json::parse(args).as_object(), context);
        },
        asio::detached);
    io.run();
    REQUIRE(result.has_value());
    return std::move(*result);
}

}  // namespace

TEST_CASE("execute-request: a live call through base_url forwards credentials", "[toolset][execute]") {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    config::UpstreamConfig config;
    config.base_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
    config.total_timeout = std::chrono::milliseconds(5000);
    const upstream::Client client(config);
    catalog::Catalog catalog;
    catalog.specs.push_back(std::make_shared<catalog::Spec>(testing::mamute_spec()));
    CallContext context;
    context.credentials = {{"X-API-Key", "mk_secret_value_42"}};
    context.request_id = "req-1";

    http::request<http::string_body> seen;
    asio::co_spawn(io, echo_server(acceptor, seen), asio::detached);
    auto result = run_tool(io, catalog, client, config,
                           R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":"a/b"},
                               "headers":{"X-API-Key":"agent-guess"}})",
                           context);
    const auto structured = testing::structured_ok(execute_request_definition(), result);
    CHECK(seen.target() == "/v1/cdn/resource/a%2Fb");
    CHECK(seen["X-API-Key"] == "mk_secret_value_42");
    CHECK(json::serialize(result.to_json()).find("mk_secret_value_42") == std::string::npos);
    CHECK(structured.at("body").at("your_key") == "[redacted]");
    CHECK(structured.at("status") == 200);
}

TEST_CASE("execute-request: invalid calls are explained and nothing is sent", "[toolset][execute]") {
    asio::io_context io;
    config::UpstreamConfig config;
    config.base_url = "http://127.0.0.1:9/";  // discard port: any attempt to send would fail differently
    const upstream::Client client(config);
    catalog::Catalog catalog;
    catalog.specs.push_back(std::make_shared<catalog::Spec>(testing::mamute_spec()));
    const CallContext context;

    auto unknown = run_tool(io, catalog, client, config, R"({"method":"GET","path":"/nope"})", context);
    CHECK_THAT(testing::error_only(unknown), Catch::StartsWith("no operation GET /nope in spec 'MamuteCloud API'"));
    io.restart();
    auto foreign = run_tool(io, catalog, client, config,
                            R"({"harRequest":{"method":"GET","url":"https://evil.example.com/cdn/resource"}})", context);
    CHECK_THAT(testing::error_only(foreign), Catch::StartsWith("refused: https://evil.example.com is not a server"));
    io.restart();
    auto wrong_title = run_tool(io, catalog, client, config, R"({"title":"Other","method":"GET","path":"/cdn/resource"})", context);
    testing::error_only(wrong_title);
}

TEST_CASE("execute-request inputSchema: body has an explicit type list, unknown keys are not allowed", "[toolset][execute]") {
    const json::value tool = execute_request_definition();
    CHECK(tool.at_pointer("/inputSchema/properties/body/type") ==
          json::array{"object", "array", "string", "number", "integer", "boolean", "null"});
    CHECK_THAT(std::string(tool.at_pointer("/inputSchema/properties/body/description").as_string()),
               Catch::StartsWith("Request body: any JSON value"));
    CHECK(tool.at_pointer("/inputSchema/additionalProperties") == false);
    // Every property has a type, so strict validators (MCP Inspector --strict) have nothing to warn about.
    for (const auto& [name, property] : tool.at_pointer("/inputSchema/properties").as_object()) {
        INFO(std::string(name));
        CHECK(property.as_object().contains("type"));
    }
}

TEST_CASE("execute-request: unknown arguments, oversized headers and bodies nothing takes are refused before sending",
          "[toolset][execute]") {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    config::UpstreamConfig config;
    config.base_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    config.total_timeout = std::chrono::milliseconds(2000);
    const upstream::Client client(config);
    catalog::Catalog catalog;
    catalog.specs.push_back(std::make_shared<catalog::Spec>(testing::mamute_spec()));
    const CallContext context;
    bool accepted = false;
    // Nothing may connect: an accept that completes records it; the acceptor is closed after each call.
    auto call = [&](const std::string& args) {
        accepted = false;
        io.restart();
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            accepted = !ec;
        }, asio::detached);
        std::optional<ToolResult> result;
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            result = co_await execute_request(catalog, client, config, json::parse(args).as_object(), context);
            acceptor.cancel();
        }, asio::detached);
        io.run();
        REQUIRE(result.has_value());
        CHECK_FALSE(accepted);
        return testing::error_only(*result);
    };
    CHECK(call(R"({"method":"GET","path":"/cdn/resource","queryParams":{"limit":1}})") ==
          "unknown argument \"queryParams\"; execute-request accepts: title, method, path, pathParams, query, headers, "
          "cookies, server, body, contentType, harRequest");
    CHECK(call(R"({"method":"GET","path":"/cdn/resource","url":"x","data":1})") ==
          "unknown arguments \"url\", \"data\"; execute-request accepts: title, method, path, pathParams, query, headers, "
          "cookies, server, body, contentType, harRequest");
    CHECK(call(R"({"method":"GET","path":"/dns/zones/z/records","headers":{"X-Org-Id":"1","X-Big":")" +
               std::string(70'000, 'a') + R"("}})") ==
          "refused: header 'X-Big' is 70005 bytes; at most 8192 bytes per header (name and value)");
    CHECK_THAT(call(R"({"method":"GET","path":"/cdn/resource/42","body":{"x":1}})"),
               Catch::StartsWith("operation GET /cdn/resource/{id} takes no request body"));
    CHECK_THAT(call(R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource"},"method":"GET"})"),
               Catch::StartsWith("give either 'harRequest' or the structured fields, not both"));
}

TEST_CASE("execute-request: an agent header replaced by the connection's credential is noted", "[toolset][execute]") {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    config::UpstreamConfig config;
    config.base_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    config.total_timeout = std::chrono::milliseconds(5000);
    const upstream::Client client(config);
    catalog::Catalog catalog;
    catalog.specs.push_back(std::make_shared<catalog::Spec>(testing::mamute_spec()));
    CallContext context;
    context.credentials = {{"X-API-Key", "mk_secret_value_42"}};

    http::request<http::string_body> seen;
    asio::co_spawn(io, echo_server(acceptor, seen), asio::detached);
    auto result = run_tool(io, catalog, client, config,
                           R"({"method":"GET","path":"/cdn/resource","headers":{"x-api-key":"agent-guess"}})", context);
    const auto structured = testing::structured_ok(execute_request_definition(), result);
    CHECK(seen["X-API-Key"] == "mk_secret_value_42");
    CHECK(structured.at("note") ==
          "header 'x-api-key' from the arguments was not sent: this MCP connection's own credential is used instead");
    CHECK(json::serialize(result.to_json()).find("agent-guess") == std::string::npos);

    // Without connection credentials the agent's header is sent as given, and nothing is noted.
    io.restart();
    asio::co_spawn(io, echo_server(acceptor, seen), asio::detached);
    auto plain = run_tool(io, catalog, client, config,
                          R"({"method":"GET","path":"/cdn/resource","headers":{"X-API-Key":"agent-key-123"}})", CallContext{});
    const auto plain_structured = testing::structured_ok(execute_request_definition(), plain);
    CHECK(seen["X-API-Key"] == "agent-key-123");
    CHECK_FALSE(plain_structured.contains("note"));
}

TEST_CASE("render: notes are joined with the 401 hint", "[toolset][execute]") {
    auto result = render_response(sample_request(), response(200, "application/json", "{}"), 1024, {{"X-API-Key", "k-1234"}},
                                  {"first note", "second note"});
    CHECK(testing::structured_ok(execute_request_definition(), result).at("note") == "first note; second note");
    auto unauthorized = render_response(sample_request(), response(401, "application/json", "{}"), 1024, {}, {"a note"});
    CHECK_THAT(std::string(testing::structured_ok(execute_request_definition(), unauthorized, true).at("note").as_string()),
               Catch::StartsWith("a note; no credentials were forwarded"));
    auto failed = render_failure(sample_request(), upstream::Failure{upstream::FailureKind::connect, "refused"}, {}, {"a note"});
    CHECK(json::parse(testing::error_only(failed)).at("note") == "a note");
}

namespace {

// A result with an image: the text item is structuredContent serialised (valid against the outputSchema),
// and the second item is the MCP image content. Returns {structuredContent, image item}.
std::pair<json::object, json::object> rendered_image(const upstream::Response& r, std::size_t max = 64 * 1024) {
    const auto result = render_response(sample_request(), r, max, {});
    INFO(json::serialize(result.to_json()));
    CHECK(result.is_error == (r.status >= 400));
    REQUIRE(result.structured_content.has_value());
    REQUIRE(result.content.size() == 2);
    CHECK(result.content[0].at("type") == "text");
    CHECK(result.content[0].at("text").as_string() == json::serialize(*result.structured_content));
    const auto errors = testing::schema_errors(*result.structured_content, execute_request_definition().at("outputSchema"));
    INFO(testing::joined(errors));
    CHECK(errors.empty());
    return {*result.structured_content, result.content[1].as_object()};
}

}  // namespace

TEST_CASE("render: images become MCP image content", "[toolset][execute]") {
    const std::string png("\x89PNG\r\n\x1a\n\0\xff", 10);
    auto [out, image] = rendered_image(response(200, "Image/PNG; name=x.png", png));
    CHECK(image == json::parse(R"({"type": "image", "data": "iVBORw0KGgoA/w==", "mimeType": "image/png"})"));
    CHECK(out.at("body").at("mimeType") == "image/png");
    CHECK(out.at("body").at("bytes") == 10);
    CHECK(out.at("headers").at("content-type") == "Image/PNG; name=x.png");
    CHECK_FALSE(out.contains("truncated"));
    // An image whose bytes happen to be valid UTF-8 is still an image, and an error status keeps it.
    auto [gif, gif_item] = rendered_image(response(404, "image/gif", "GIF89a"));
    CHECK(gif_item.at("mimeType") == "image/gif");
    CHECK(gif_item.at("data") == "R0lGODlh");
    CHECK(gif.at("status") == 404);
    // Exactly at the limit: 12 bytes are 16 base64 characters.
    CHECK(rendered_image(response(200, "image/webp", std::string(12, '\xff')), 16).second.at("data").as_string() == std::string(16, '/'));

    // Over the limit: no image item, cut like other binary data.
    auto big = rendered(response(200, "image/jpeg", std::string(13, '\xff')), 16);
    CHECK(big.at("body") == json::parse(R"({"base64": "////////////////", "bytes": 13})"));
    CHECK(big.at("truncated") == "showing 12 of 13 bytes");
    auto big_text_like = rendered(response(200, "image/jpeg", std::string(100, 'a')), 16);  // valid UTF-8, still binary
    CHECK(big_text_like.at("body").at("bytes") == 100);
    // SVG is text; an empty image body is just empty.
    CHECK(rendered(response(200, "image/svg+xml", "<svg/>")).at("body") == "<svg/>");
    CHECK(rendered(response(204, "image/png", "")).at("body") == "");
}

TEST_CASE("render: redirects followed and not followed", "[toolset][execute]") {
    auto followed = response(200, "application/json", "{}");
    followed.followed_redirects = {"301 -> /cdn/resource/43", "308 -> /cdn/resource/44?x=1"};
    auto out = rendered(followed);
    CHECK(out.at("redirects") == json::array{"301 -> /cdn/resource/43", "308 -> /cdn/resource/44?x=1"});
    CHECK_FALSE(out.contains("note"));
    CHECK_FALSE(rendered(response(200, "application/json", "{}")).contains("redirects"));

    auto note_for = [](std::string location, std::vector<std::string> steps = {}) {
        auto r = response(302, "text/plain", "");
        r.headers.emplace_back("Location", location);
        r.followed_redirects = std::move(steps);
        r.redirect_not_followed = location;
        auto structured = rendered(r);
        CHECK(structured.at("headers").at("location").as_string() == location);
        return std::string(structured.at("note").as_string());
    };
    const std::string leaves = " was not followed: it leaves https://api.mamutecloud.com (only same-origin";
    CHECK_THAT(note_for("https://evil.example/x"), Catch::StartsWith("redirect to https://evil.example/x" + leaves));
    CHECK_THAT(note_for("http://api.mamutecloud.com/x"), Catch::Contains(leaves));          // scheme differs
    CHECK_THAT(note_for("https://api.mamutecloud.com:8443/x"), Catch::Contains(leaves));    // port differs
    CHECK_THAT(note_for("//evil.example/x"), Catch::Contains(leaves));
    CHECK_THAT(note_for("/\\evil.example/x"), Catch::EndsWith("was not followed: the location is not a valid URL"));
    CHECK_THAT(note_for("https://user@api.mamutecloud.com/x"), Catch::Contains(leaves));  // userinfo: never followed
    CHECK_THAT(note_for("javascript:alert(1)"), Catch::Contains(leaves));
    CHECK(note_for("/cdn/resource/45", {"301 -> /a", "301 -> /b"}) ==
          "redirect to /cdn/resource/45 was not followed: the redirect limit was reached (2 followed)");
    CHECK_THAT(note_for("HTTPS://API.mamutecloud.com:443/y", {"302 -> /z"}), Catch::EndsWith("limit was reached (1 followed)"));
    CHECK_THAT(note_for("next?page=2"), Catch::EndsWith("limit was reached (0 followed)"));
    // A location carrying a credential is redacted in the note and the header alike.
    auto r = response(302, "text/plain", "", {{"Location", "https://evil.example/?k=mk_live_0123456789"}});
    r.redirect_not_followed = "https://evil.example/?k=mk_live_0123456789";
    const auto wire = json::serialize(render_response(sample_request(), r, 1024, {{"X-API-Key", "mk_live_0123456789"}}).to_json());
    CHECK(wire.find("mk_live_0123456789") == std::string::npos);
    CHECK_THAT(wire, Catch::Contains("redirect to https://evil.example/?k=[redacted] was not followed"));
}

TEST_CASE("render: a compressed body is shown as it came, and the note says why it is not text", "[toolset][execute]") {
    const std::string gzip_bytes("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\xae\x05\x00", 14);
    const auto structured = rendered(response(200, "application/json", gzip_bytes, {{"Content-Encoding", "gzip"}}));
    CHECK(structured.at("headers").at("content-encoding") == "gzip");
    CHECK(structured.at("body").at("bytes") == 14);
    CHECK_THAT(std::string(structured.at("note").as_string()), Catch::Contains("Content-Encoding: gzip"));
    // identity is no coding at all: no note.
    CHECK_FALSE(rendered(response(200, "application/json", "{}", {{"Content-Encoding", "identity"}})).contains("note"));
}
