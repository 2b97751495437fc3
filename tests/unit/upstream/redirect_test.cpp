// Redirects: where a Location leads (pure), then the client following same-origin ones and refusing the
// rest against in-process upstreams on 127.0.0.1, port 0.
#include "upstream/redirect.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <functional>

#include "keep_alive_server.hpp"
#include "upstream/client.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace mamute;
using namespace mamute::upstream;
using testing::KeepAliveServer;
using testing::ok_reply;
using Result = Expected<Response, Failure>;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

config::UpstreamConfig redirect_config() {
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(2000);
    config.total_timeout = std::chrono::milliseconds(5000);
    config.max_redirects = 3;
    return config;
}

KeepAliveServer::Reply redirect(unsigned status, const std::string& location) {
    return {"HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n"};
}

// Sends one request while the server runs, then stops the server.
Result call(asio::io_context& io, KeepAliveServer& server, const Client& client, Request request) {
    std::optional<Result> result;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        result.emplace(co_await client.send(std::move(request)));
        server.stop();
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    io.run();
    REQUIRE(result.has_value());
    return std::move(*result);
}

}  // namespace

TEST_CASE("redirect: which statuses are followed", "[upstream][redirect]") {
    for (unsigned s : {301u, 302u, 303u, 307u, 308u}) CHECK(is_followable_redirect(s));
    for (unsigned s : {200u, 300u, 304u, 305u, 306u, 399u}) CHECK_FALSE(is_followable_redirect(s));
}

TEST_CASE("redirect: a Location is followed only when it stays on the same origin", "[upstream][redirect]") {
    const Origin origin{"https", "api.example.com", 443};
    const std::string from = "/v1/sites/42?x=1";
    struct Case {
        const char* location;
        std::optional<std::string> target;
    };
    const std::vector<Case> cases = {
        {"/v2/sites/42", "/v2/sites/42"},
        {"43", "/v1/sites/43"},                                  // relative to the path (RFC 3986 5.2)
        {"../zones?page=2", "/v1/zones?page=2"},
        {"?x=2", "/v1/sites/42?x=2"},
        {"https://api.example.com/moved", "/moved"},
        {"https://API.EXAMPLE.COM:443/moved#frag", "/moved"},   // same origin, spelt differently
        {"https://api.example.com", "/"},
        {"http://api.example.com/moved", std::nullopt},         // scheme change
        {"https://api.example.com:8443/moved", std::nullopt},   // port change
        {"https://evil.example/steal", std::nullopt},
        {"//evil.example/steal", std::nullopt},                  // network-path reference
        {"https://user:pw@api.example.com/x", std::nullopt},    // userinfo
        {"ftp://api.example.com/x", std::nullopt},
        {"http://[bad", std::nullopt},                           // not a URI reference
        {"/a b", std::nullopt},
        {"/../x", "/x"},                                         // dot segments never climb above the root
        {"https://api.example.com/a/../../x", "/x"},
        {"/a/./b/../c", "/a/c"},
        {"/a/%2e%2e/%2E%2E/x", "/x"},                            // percent-encoded dots are dots
        {"/a/.%2e/x", "/x"},
        {"/..", "/"},
    };
    for (const auto& c : cases) {
        INFO(c.location << " -> " << same_origin_target(origin, from, c.location).value_or("(refused)"));
        CHECK(same_origin_target(origin, from, c.location) == c.target);
    }
    CHECK(same_origin_target(Origin{"http", "127.0.0.1", 8080}, "/a", "http://127.0.0.1:8080/b") == "/b");
    CHECK(same_origin_target(Origin{"http", "::1", 8080}, "/a", "http://[::1]:8080/b") == "/b");
}

TEST_CASE("redirect: the next request keeps or drops method and body as RFC 9110 says", "[upstream][redirect]") {
    const Request post{Origin{"https", "api.example.com", 443}, "POST", "/a",
                       {{"X-API-Key", "k"}, {"Content-Type", "application/json"}, {"content-language", "en"}}, "{}"};
    struct Case {
        unsigned status;
        const char* method;
        const char* method_after;
        bool keeps_body;
    };
    for (const auto& c : std::vector<Case>{{303, "POST", "GET", false}, {303, "PUT", "GET", false}, {303, "HEAD", "HEAD", true},
                                           {301, "POST", "GET", false}, {302, "POST", "GET", false}, {301, "PUT", "PUT", true},
                                           {307, "POST", "POST", true}, {308, "PATCH", "PATCH", true}}) {
        INFO(c.status << " " << c.method);
        auto request = post;
        request.method = c.method;
        apply_redirect(request, c.status, "/b");
        CHECK(request.target == "/b");
        CHECK(request.method == c.method_after);
        CHECK(request.body.empty() == !c.keeps_body);
        CHECK(request.headers.size() == (c.keeps_body ? 3u : 1u));
        CHECK(request.headers.front().first == "X-API-Key");  // same origin: the credentials go along
    }
}

TEST_CASE("client redirect: same-origin Locations are followed, relative and absolute", "[upstream][redirect][client]") {
    asio::io_context io;
    std::uint16_t port = 0;
    KeepAliveServer server(io, [&](const KeepAliveServer::SeenRequest& request, std::size_t) {
        if (request.target() == "/v1/a") return redirect(301, "b");
        if (request.target() == "/v1/b") return redirect(302, "http://127.0.0.1:" + std::to_string(port) + "/v2/c?q=1");
        if (request.target() == "/v2/c?q=1") return redirect(308, "/v2/d");
        return KeepAliveServer::Reply{ok_reply("arrived at " + std::string(request.target()))};
    });
    port = server.port();
    Client client(redirect_config());
    Request request{Origin{"http", "127.0.0.1", port}, "GET", "/v1/a", {{"X-API-Key", "k-1"}}, {}};
    auto result = call(io, server, client, request);
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(result->body == "arrived at /v2/d");
    CHECK(result->followed_redirects == std::vector<std::string>{"301 -> /v1/b", "302 -> /v2/c?q=1", "308 -> /v2/d"});
    CHECK_FALSE(result->redirect_not_followed);
    REQUIRE(server.requests == 4);
    for (const auto& seen : server.seen) CHECK(seen["X-API-Key"] == "k-1");
    CHECK(server.connections == 1);  // the whole chain on one pooled connection
}

TEST_CASE("client redirect: 303 turns a POST into a GET without body, 307 sends it again", "[upstream][redirect][client]") {
    for (unsigned status : {303u, 307u}) {
        INFO(status);
        asio::io_context io;
        KeepAliveServer server(io, [&](const KeepAliveServer::SeenRequest& request, std::size_t) {
            return request.target() == "/create" ? redirect(status, "/result") : KeepAliveServer::Reply{ok_reply("done")};
        });
        Client client(redirect_config());
        Request request{Origin{"http", "127.0.0.1", server.port()}, "POST", "/create",
                        {{"Content-Type", "application/json"}, {"X-API-Key", "k-1"}}, R"({"name":"x"})"};
        auto result = call(io, server, client, request);
        REQUIRE(result);
        CHECK(result->body == "done");
        REQUIRE(server.seen.size() == 2);
        const auto& second = server.seen[1];
        CHECK(second["X-API-Key"] == "k-1");
        if (status == 303) {
            CHECK(second.method() == http::verb::get);
            CHECK(second.body().empty());
            CHECK(second[http::field::content_type].empty());
            CHECK(second[http::field::content_length].empty());
        } else {
            CHECK(second.method() == http::verb::post);
            CHECK(second.body() == R"({"name":"x"})");
            CHECK(second[http::field::content_type] == "application/json");
        }
    }
}

TEST_CASE("client redirect: another origin is never contacted", "[upstream][redirect][client]") {
    asio::io_context io;
    tcp::acceptor trap(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto trap_port = std::to_string(trap.local_endpoint().port());
    int trapped = 0;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        for (;;) {
            auto [ec, socket] = co_await trap.async_accept(use_tuple);
            if (ec) co_return;
            ++trapped;
        }
    }, asio::detached);
    const std::vector<std::string> locations = {
        "http://127.0.0.1:" + trap_port + "/steal",  // another port
        "http://localhost:" + trap_port + "/steal",  // another host
        "https://127.0.0.1:" + trap_port + "/steal", // another scheme
        "//127.0.0.1:" + trap_port + "/steal",
        "http://[::1",                                 // not a URI: not followed either
    };
    std::size_t next = 0;
    KeepAliveServer server(io, [&](const KeepAliveServer::SeenRequest&, std::size_t) { return redirect(302, locations[next]); });
    Client client(redirect_config());
    std::vector<Result> results;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        for (next = 0; next < locations.size(); ++next) {
            const Request request{Origin{"http", "127.0.0.1", server.port()}, "GET", "/a", {{"X-API-Key", "secret"}}, {}};
            results.push_back(co_await client.send(request));
        }
        server.stop();
        trap.close();
    }, asio::detached);
    io.run();
    REQUIRE(results.size() == locations.size());
    for (std::size_t i = 0; i < locations.size(); ++i) {
        INFO(locations[i]);
        REQUIRE(results[i]);
        CHECK(results[i]->status == 302);
        CHECK(results[i]->redirect_not_followed == locations[i]);
        CHECK(results[i]->followed_redirects.empty());
    }
    CHECK(trapped == 0);
    CHECK(server.requests == static_cast<int>(locations.size()));
}

TEST_CASE("client redirect: a loop ends with a redirect failure after max_redirects", "[upstream][redirect][client]") {
    asio::io_context io;
    KeepAliveServer server(io, [](const KeepAliveServer::SeenRequest& request, std::size_t) {
        return redirect(302, request.target() == "/a" ? "/b" : "/a");
    });
    Client client(redirect_config());
    auto result = call(io, server, client, Request{Origin{"http", "127.0.0.1", server.port()}, "GET", "/a", {}, {}});
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == FailureKind::redirect);
    CHECK(result.error().message == "more than 3 redirects; the last one was 302 to '/a'");
    CHECK(server.requests == 4);
}

TEST_CASE("client redirect: max_redirects 0 returns the redirect itself", "[upstream][redirect][client]") {
    asio::io_context io;
    KeepAliveServer server(io, [](const KeepAliveServer::SeenRequest&, std::size_t) { return redirect(301, "/b"); });
    auto config = redirect_config();
    config.max_redirects = 0;
    Client client(config);
    auto result = call(io, server, client, Request{Origin{"http", "127.0.0.1", server.port()}, "GET", "/a", {}, {}});
    REQUIRE(result);
    CHECK(result->status == 301);
    CHECK(result->redirect_not_followed == "/b");
    CHECK(server.requests == 1);
}

TEST_CASE("client redirect: total_timeout covers the whole chain", "[upstream][redirect][client]") {
    // Each hop answers quickly, but the chain goes on: the call's one budget runs out.
    asio::io_context io;
    int hop = 0;
    KeepAliveServer server(io, [&](const KeepAliveServer::SeenRequest&, std::size_t) {
        ++hop;
        return hop < 3 ? redirect(307, "/hop" + std::to_string(hop)) : KeepAliveServer::Reply{};  // the third never answers
    });
    auto config = redirect_config();
    config.total_timeout = std::chrono::milliseconds(300);
    Client client(config);
    const auto start = std::chrono::steady_clock::now();
    auto result = call(io, server, client, Request{Origin{"http", "127.0.0.1", server.port()}, "GET", "/hop0", {}, {}});
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == FailureKind::timeout);
    CHECK_THAT(result.error().message, Catch::StartsWith("timed out after 300 ms"));
    CHECK(server.requests == 3);
    CHECK(took >= std::chrono::milliseconds(300));
    CHECK(took < std::chrono::milliseconds(2000));
}
