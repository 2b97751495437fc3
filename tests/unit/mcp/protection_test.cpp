// The server's protections, driven without sockets: inbound token, rate limit, session limits.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "test_node.hpp"

using namespace mamute;
using testing::TestNode;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

config::HttpConfig with_token(std::string token) {
    config::HttpConfig http;
    http.auth_token = std::move(token);
    return http;
}

mcp::IncomingHttp authorized(mcp::IncomingHttp request, std::string value = "Bearer s3cret") {
    request.credentials.emplace_back("Authorization", std::move(value));
    return request;
}

config::HttpConfig limited(unsigned per_minute, unsigned burst) {
    config::HttpConfig http;
    http.rate_limit_per_minute = per_minute;
    http.rate_limit_burst = burst;
    return http;
}

}  // namespace

TEST_CASE("protection: with a token, every MCP request needs it; preflight and health stay open",
          "[mcp][auth]") {
    int failures = 0;
    TestNode node(with_token("s3cret"), "shared-secret", {[&] { ++failures; }, {}});

    auto missing = node.send(TestNode::post(TestNode::initialize_body()));
    CHECK(missing.status == 401);
    CHECK(TestNode::header(missing, "WWW-Authenticate") == R"(Bearer realm="mamute-mcp")");
    CHECK(TestNode::body(missing).at("id").is_null());
    CHECK(TestNode::error_code(missing) == -32000);
    CHECK(TestNode::header(missing, "Mcp-Session-Id").empty());

    auto wrong = node.send(authorized(TestNode::post(TestNode::initialize_body()), "Bearer s3cre"));
    CHECK(wrong.status == 401);
    CHECK(TestNode::header(wrong, "WWW-Authenticate").find(R"(error="invalid_token")") != std::string::npos);
    CHECK(wrong.body.find("s3cre") == std::string::npos);  // nothing of a guess is echoed
    CHECK(failures == 2);

    const auto session = node.initialize(authorized(TestNode::post(TestNode::initialize_body())));
    REQUIRE_FALSE(session.empty());
    CHECK(node.send(authorized(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session))).status == 200);
    // A valid session id is no substitute for the token, on any method.
    CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session)).status == 401);
    CHECK(node.send(TestNode::with_method(TestNode::post("", session), "GET")).status == 401);
    CHECK(node.send(TestNode::with_method(TestNode::post("", session), "DELETE")).status == 401);
    CHECK(node.send(authorized(TestNode::with_method(TestNode::post("", session), "GET"))).status == 200);
    CHECK(failures == 5);

    // Browsers send preflights without credentials.
    auto preflight = TestNode::with_method(TestNode::post(""), "OPTIONS");
    preflight.origin = "http://localhost:6274";
    auto options = node.send(preflight);
    CHECK(options.status == 204);
    auto browser = TestNode::post(TestNode::initialize_body());
    browser.origin = "http://localhost:6274";
    auto refused = node.send(browser);
    CHECK(refused.status == 401);
    CHECK(TestNode::header(refused, "Access-Control-Expose-Headers").find("WWW-Authenticate") != std::string::npos);

    auto health = TestNode::with_method(TestNode::post(""), "GET");
    health.target = "/healthz";
    CHECK(node.send(health).status == 200);
    CHECK(failures == 6);
}

TEST_CASE("protection: revision 2026-07-28 requests need the token too", "[mcp][auth]") {
    TestNode node(with_token("s3cret"));
    auto request = TestNode::post(
        R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{)"
        R"("io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)"
        R"("io.modelcontextprotocol/clientCapabilities":{}}}})");
    request.protocol_version = "2026-07-28";
    request.mcp_method = "server/discover";
    CHECK(node.send(request).status == 401);
    CHECK(node.send(authorized(request)).status == 200);
}

TEST_CASE("protection: without a token nothing is asked and Authorization is left alone", "[mcp][auth]") {
    TestNode node;
    CHECK_FALSE(node.initialize().empty());
    CHECK_FALSE(node.initialize(authorized(TestNode::post(TestNode::initialize_body()), "Bearer anything")).empty());
}

namespace {

// An upstream that records one request and answers 200 {}.
boost::asio::awaitable<void> record_one(boost::asio::ip::tcp::acceptor& acceptor,
                                        boost::beast::http::request<boost::beast::http::string_body>& seen) {
    namespace asio = boost::asio;
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    boost::beast::flat_buffer buffer;
    if (auto [read_ec, n] = co_await boost::beast::http::async_read(socket, buffer, seen, use_tuple); read_ec) co_return;
    static constexpr std::string_view reply =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    co_await asio::async_write(socket, asio::buffer(reply), use_tuple);
}

}  // namespace

TEST_CASE("protection: the server's bearer token is never forwarded to the API", "[mcp][auth]") {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    config::UpstreamConfig upstream;
    upstream.base_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    upstream.total_timeout = 5000ms;
    TestNode node(with_token("s3cret"), "shared-secret", {}, testing::make_test_tools(upstream));
    const auto session = node.initialize(authorized(TestNode::post(TestNode::initialize_body())));

    auto call = authorized(TestNode::post(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute-request","arguments":)"
        R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":"42"}}}})",
        session));
    call.credentials.emplace_back("X-API-Key", "mk_live_key");
    boost::beast::http::request<boost::beast::http::string_body> seen;
    boost::asio::co_spawn(io, record_one(acceptor, seen), boost::asio::detached);
    auto future = boost::asio::co_spawn(io, node.server.handle(std::move(call)), boost::asio::use_future);
    io.run();
    const auto reply = future.get();
    REQUIRE(reply.status == 200);
    CHECK(seen.target() == "/cdn/resource/42");
    CHECK(seen["X-API-Key"] == "mk_live_key");
    CHECK(seen.find(boost::beast::http::field::authorization) == seen.end());
    CHECK(reply.body.find("s3cret") == std::string::npos);
}

TEST_CASE("protection: tools/call is rate limited per client with 429 and Retry-After", "[mcp][rate]") {
    int limited_count = 0;
    TestNode node(limited(60, 2), "shared-secret", {{}, [&] { ++limited_count; }});
    const auto session = node.initialize();
    CHECK(node.send(TestNode::post(TestNode::tools_call(1), session)).status == 200);
    CHECK(node.send(TestNode::post(TestNode::tools_call(2), session)).status == 200);
    auto refused = node.send(TestNode::post(TestNode::tools_call(3), session));
    CHECK(refused.status == 429);
    CHECK(TestNode::header(refused, "Retry-After") == "1");
    CHECK(TestNode::body(refused).at("id") == 3);
    CHECK(TestNode::error_code(refused) == -32000);
    CHECK_THAT(std::string(TestNode::body(refused).at("error").at("message").as_string()),
               Catch::StartsWith("Rate limit exceeded") && Catch::Contains("retry after 1 s"));
    CHECK(limited_count == 1);

    // Other methods are not counted.
    for (int i = 0; i < 5; ++i)
        CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":4,"method":"tools/list"})", session)).status == 200);

    // Another client (another address, or another API key from the same address) has its own bucket.
    auto other_address = TestNode::post(TestNode::tools_call(5), session);
    other_address.remote_address = "192.0.2.99";
    CHECK(node.send(other_address).status == 200);
    auto with_key = TestNode::post(TestNode::tools_call(6), session);
    with_key.credentials.emplace_back("X-API-Key", "k1");
    CHECK(node.send(with_key).status == 200);
    CHECK(node.send(with_key).status == 200);
    CHECK(node.send(with_key).status == 429);
    with_key.credentials.front().second = "k2";
    CHECK(node.send(with_key).status == 200);

    node.advance(1s);
    CHECK(node.send(TestNode::post(TestNode::tools_call(7), session)).status == 200);
    CHECK(node.send(TestNode::post(TestNode::tools_call(8), session)).status == 429);
    CHECK(limited_count == 3);
}

TEST_CASE("protection: behind a trusted proxy the forwarded address is the client", "[mcp][rate]") {
    auto http = limited(60, 1);
    http.trust_forwarded_for = true;
    TestNode node(http);
    const auto session = node.initialize();
    auto a = TestNode::post(TestNode::tools_call(), session);
    a.forwarded_for = "198.51.100.1";
    auto b = a;
    b.forwarded_for = "198.51.100.2";
    CHECK(node.send(a).status == 200);
    CHECK(node.send(a).status == 429);
    CHECK(node.send(b).status == 200);  // same proxy address, another client
}

TEST_CASE("protection: with the server's token, clients are told apart by their API key, not the token",
          "[mcp][rate]") {
    auto http = limited(60, 1);
    http.auth_token = "s3cret";
    TestNode node(http);
    const auto session = node.initialize(authorized(TestNode::post(TestNode::initialize_body())));
    auto first = authorized(TestNode::post(TestNode::tools_call(), session));
    auto second = first;
    second.remote_address = "192.0.2.2";  // everyone sends the same token; the address tells them apart
    CHECK(node.send(first).status == 200);
    CHECK(node.send(first).status == 429);
    CHECK(node.send(second).status == 200);
}

TEST_CASE("protection: each tools/call of a batch counts; a batch passes whole or not at all", "[mcp][rate]") {
    TestNode node(limited(60, 3));
    const auto session = node.initialize(TestNode::post(TestNode::initialize_body("2025-03-26")));  // batches allowed
    const std::string two_calls = "[" + TestNode::tools_call(1) + "," + TestNode::tools_call(2) +
                                  R"(,{"jsonrpc":"2.0","id":3,"method":"ping"}])";
    auto first = node.send(TestNode::post(two_calls, session));
    CHECK(first.status == 200);
    CHECK(TestNode::body(first).as_array().size() == 3);
    auto second = node.send(TestNode::post(two_calls, session));  // one token left, two needed
    CHECK(second.status == 429);
    CHECK(TestNode::body(second).at("id").is_null());
    CHECK(node.send(TestNode::post(TestNode::tools_call(4), session)).status == 200);  // the refusal took nothing

    node.advance(1h);
    std::string four = "[";
    for (int i = 0; i < 4; ++i) four += (i ? "," : "") + TestNode::tools_call(i);
    auto too_big = node.send(TestNode::post(four + "]", session));
    CHECK(too_big.status == 429);
    CHECK_THAT(std::string(TestNode::body(too_big).at("error").at("message").as_string()),
               Catch::Contains("more than the burst of 3"));
}

TEST_CASE("protection: revision 2026-07-28 tools/call is rate limited too", "[mcp][rate]") {
    TestNode node(limited(60, 1));
    auto request = TestNode::post(
        R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list-specs","arguments":{},"_meta":{)"
        R"("io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)"
        R"("io.modelcontextprotocol/clientCapabilities":{}}}})");
    request.protocol_version = "2026-07-28";
    request.mcp_method = "tools/call";
    request.mcp_name = "list-specs";
    CHECK(node.send(request).status == 200);
    auto refused = node.send(request);
    CHECK(refused.status == 429);
    CHECK(TestNode::body(refused).at("id") == 1);
}

TEST_CASE("protection: sessions are capped per replica; idle ones end with 404", "[mcp][sessions]") {
    config::HttpConfig http;
    http.max_sessions = 2;
    http.session_idle_timeout = 60s;
    TestNode node(http);
    const auto first = node.initialize();
    node.advance(30s);
    const auto second = node.initialize();
    CHECK(node.server.active_sessions() == 2);
    auto busy = node.send(TestNode::post(TestNode::initialize_body()));
    CHECK(busy.status == 503);
    CHECK(TestNode::header(busy, "Mcp-Session-Id").empty());
    CHECK(TestNode::body(busy).at("id") == 1);

    // The first goes idle; using the second keeps it alive.
    node.advance(31s);
    CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", second)).status == 200);
    node.advance(30s);
    auto expired = node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", first));
    CHECK(expired.status == 404);
    CHECK(TestNode::error_code(expired) == -32001);
    CHECK(node.server.active_sessions() == 1);
    // Ended, not merely forgotten: it does not come back as a stranger.
    CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", first)).status == 404);
    CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", second)).status == 200);

    const auto third = node.initialize();
    CHECK_FALSE(third.empty());
    CHECK(node.server.active_sessions() == 2);
    CHECK(node.send(TestNode::with_method(TestNode::post("", third), "DELETE")).status == 200);
    CHECK(node.server.active_sessions() == 1);
}

TEST_CASE("protection: a session dropped by a sweep is ended too, not readmitted later", "[mcp][sessions]") {
    config::HttpConfig http;
    http.max_sessions = 1;
    http.session_idle_timeout = 60s;
    TestNode node(http);
    const auto first = node.initialize();
    node.advance(61s);
    const auto second = node.initialize();  // the full table drops the idle first session
    REQUIRE_FALSE(second.empty());
    node.send(TestNode::with_method(TestNode::post("", second), "DELETE"));
    CHECK(node.server.active_sessions() == 0);
    // There is room now, but the first session ended: 404, not admitted as another replica's.
    CHECK(node.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", first)).status == 404);
    CHECK(node.server.active_sessions() == 0);
}

TEST_CASE("protection: a client inventing a new API key per call is still bounded by its address", "[mcp][rate]") {
    TestNode node(limited(60, 2));
    const auto session = node.initialize();
    auto call = TestNode::post(TestNode::tools_call(), session);
    int allowed = 0;
    for (int i = 0; i < 50; ++i) {
        call.credentials = {{"X-API-Key", "made-up-" + std::to_string(i)}};
        if (node.send(call).status == 200) ++allowed;
    }
    CHECK(allowed == 20);  // the address bucket holds ten clients' bursts, no more
    auto elsewhere = call;
    elsewhere.remote_address = "192.0.2.50";
    CHECK(node.send(elsewhere).status == 200);
}
