// The keep-alive pool: its bounds on its own, then the client reusing, refusing and replacing connections
// against in-process upstreams on 127.0.0.1, port 0. No sleeps: the tests await what they wait for.
#include "upstream/connection_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "keep_alive_server.hpp"
#include "test_certificate.hpp"
#include "upstream/client.hpp"
#include "upstream/retry_rule.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = asio::ssl;
using namespace mamute;
using namespace mamute::upstream;
using testing::KeepAliveServer;
using testing::ok_reply;
using Result = Expected<Response, Failure>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

config::UpstreamConfig pool_config() {
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(2000);
    config.total_timeout = std::chrono::milliseconds(5000);
    config.pool_max_idle_per_origin = 4;
    return config;
}

Request get(std::uint16_t port, std::string target = "/r") {
    return Request{Origin{"http", "127.0.0.1", port}, "GET", std::move(target), {}, {}};
}

// (No co_await inside Catch assertions: with GCC 12 the awaited call ran more than once there,
// through the expression repeated in the macro.)
// Runs `body` as a coroutine on the io_context until it, and everything it started, is done.
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body, int threads = 1) {
    asio::co_spawn(io, std::move(body), [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    std::vector<std::thread> extra;
    for (int i = 1; i < threads; ++i) extra.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : extra) t.join();
}

auto always_ok = [](const KeepAliveServer::SeenRequest&, std::size_t) { return KeepAliveServer::Reply{ok_reply("hi")}; };

std::unique_ptr<Connection> idle_connection(asio::io_context& io, const std::string& key) {
    return std::make_unique<Connection>(key, std::in_place_type<PlainStream>, io.get_executor());
}

}  // namespace

TEST_CASE("pool: bounded per origin and in origins, freshest first, expired on checkout", "[upstream][pool]") {
    asio::io_context io;
    using Clock = ConnectionPool::Clock;
    const auto t0 = Clock::now();
    ConnectionPool pool(2, std::chrono::milliseconds(1000), 3);
    REQUIRE(pool.enabled());

    auto first = idle_connection(io, "http://a:80");
    auto* first_raw = first.get();
    pool.checkin(std::move(first), t0);
    auto second = idle_connection(io, "http://a:80");
    auto* second_raw = second.get();
    pool.checkin(std::move(second), t0 + std::chrono::milliseconds(10));
    pool.checkin(idle_connection(io, "http://a:80"), t0 + std::chrono::milliseconds(20));  // pushes the oldest out
    CHECK(pool.idle_count("http://a:80") == 2);
    CHECK(pool.idle_count() == 2);

    auto taken = pool.checkout("http://a:80", t0 + std::chrono::milliseconds(30));
    REQUIRE(taken);
    CHECK(taken.get() != first_raw);
    CHECK(taken.get() != second_raw);  // the freshest comes out first
    CHECK(pool.idle_count("http://a:80") == 1);
    CHECK_FALSE(pool.checkout("http://b:80", t0));

    // The one left went idle at t0+10 ms: gone 1 s later.
    CHECK_FALSE(pool.checkout("http://a:80", t0 + std::chrono::milliseconds(1010)));
    CHECK(pool.idle_count() == 0);

    // At most 3 origins hold idle connections; a fourth origin's connection is closed, not kept.
    for (const char* key : {"http://o1:80", "http://o2:80", "http://o3:80", "http://o4:80"}) pool.checkin(idle_connection(io, key), t0);
    CHECK(pool.idle_count() == 3);
    CHECK(pool.idle_count("http://o4:80") == 0);

    ConnectionPool disabled(0, std::chrono::milliseconds(1000));
    CHECK_FALSE(disabled.enabled());
    disabled.checkin(idle_connection(io, "http://a:80"));
    CHECK(disabled.idle_count() == 0);
}

TEST_CASE("pool: origin keys ignore host case and keep scheme and port apart", "[upstream][pool]") {
    CHECK(origin_key(Origin{"https", "API.Example.com", 443}) == "https://api.example.com:443");
    CHECK(origin_key(Origin{"http", "api.example.com", 443}) != origin_key(Origin{"https", "api.example.com", 443}));
    CHECK(origin_key(Origin{"https", "api.example.com", 8443}) != origin_key(Origin{"https", "api.example.com", 443}));
}

TEST_CASE("retry rule: once, idempotent methods only, only when nothing was sent on a pooled connection", "[upstream][pool]") {
    for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
        INFO(method);
        CHECK(may_resend(method, true, true, false));
        CHECK_FALSE(may_resend(method, true, true, true));    // only once
        CHECK_FALSE(may_resend(method, true, false, false));  // something left: it may have been acted on
        CHECK_FALSE(may_resend(method, false, true, false));  // a new connection that fails is just a failure
    }
    for (const char* method : {"POST", "PATCH", "CONNECT", "get"}) {
        INFO(method);
        CHECK_FALSE(may_resend(method, true, true, false));
    }
}

TEST_CASE("client pool: sequential calls to one origin share one connection", "[upstream][pool][client]") {
    asio::io_context io;
    KeepAliveServer server(io, always_ok);
    Client client(pool_config());
    std::vector<Result> results;
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) results.push_back(co_await client.send(get(server.port())));
        server.stop();
    });
    REQUIRE(results.size() == 5);
    for (const auto& r : results) {
        REQUIRE(r);
        CHECK(r->body == "hi");
    }
    CHECK(server.connections == 1);
    CHECK(server.requests == 5);
    CHECK(server.seen.front()[http::field::connection].empty());  // HTTP/1.1's default: keep-alive
    CHECK(client.stats().connections_opened == 1);
    CHECK(client.stats().connections_reused == 4);
    CHECK(client.idle_connections() == 1);
}

TEST_CASE("client pool: without pooling every call closes its connection", "[upstream][pool][client]") {
    asio::io_context io;
    KeepAliveServer server(io, always_ok);
    auto config = pool_config();
    config.pool_max_idle_per_origin = 0;
    Client client(config);
    std::vector<Result> results;
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) results.push_back(co_await client.send(get(server.port())));
        server.stop();
    });
    REQUIRE(results.size() == 3);
    for (const auto& r : results) CHECK(r);
    CHECK(server.connections == 3);
    CHECK(server.seen.front()[http::field::connection] == "close");
    CHECK(client.idle_connections() == 0);
    CHECK(client.stats().connections_reused == 0);
}

TEST_CASE("client pool: concurrent calls from many strands leave at most the limit idle", "[upstream][pool][client]") {
    asio::io_context io;
    constexpr int calls = 8;
    auto config = pool_config();
    config.pool_max_idle_per_origin = 2;
    Client client(config);
    KeepAliveServer server(io, always_ok);
    server.hold_until_requests = calls;  // all eight in flight at once: eight connections
    std::mutex mutex;
    int succeeded = 0;
    std::vector<std::size_t> idle_seen;
    run(io, [&]() -> asio::awaitable<void> {
        asio::experimental::concurrent_channel<void(boost::system::error_code)> finished(io, calls);
        for (int i = 0; i < calls; ++i)
            asio::co_spawn(asio::make_strand(io), [&]() -> asio::awaitable<void> {
                auto result = co_await client.send(get(server.port()));
                {
                    std::lock_guard lock(mutex);
                    succeeded += result ? 1 : 0;
                    idle_seen.push_back(client.idle_connections());
                }
                finished.try_send(boost::system::error_code{});
            }, asio::detached);
        for (int i = 0; i < calls; ++i) co_await finished.async_receive(use_tuple);
        // A second wave, one call at a time: served by what stayed idle, no new connection.
        // (No Catch assertions in here: they are not thread-safe, and this runs on two threads.)
        for (int i = 0; i < calls; ++i) succeeded += (co_await client.send(get(server.port()))) ? 1 : 0;
        server.stop();
    }, 2);
    CHECK(succeeded == 2 * calls);
    REQUIRE(idle_seen.size() == calls);
    for (auto idle : idle_seen) CHECK(idle <= 2);
    CHECK(client.idle_connections() == 2);  // the second wave took one and gave it back each time
    CHECK(server.connections == calls);
    CHECK(server.requests == 2 * calls);
    CHECK(client.stats().connections_opened == calls);
    CHECK(client.stats().connections_reused == calls);
}

TEST_CASE("client pool: idle connections older than pool_idle_timeout are not used", "[upstream][pool][client]") {
    asio::io_context io;
    KeepAliveServer server(io, always_ok);
    auto config = pool_config();
    config.pool_idle_timeout = std::chrono::milliseconds(50);
    Client client(config);
    std::vector<Result> results;
    std::size_t idle_between = 0;
    run(io, [&]() -> asio::awaitable<void> {
        results.push_back(co_await client.send(get(server.port())));
        idle_between = client.idle_connections();
        asio::steady_timer wait(io, std::chrono::milliseconds(120));  // the idle timeout itself is what is tested
        co_await wait.async_wait(use_tuple);
        results.push_back(co_await client.send(get(server.port())));
        server.stop();
    });
    REQUIRE(results.size() == 2);
    for (const auto& r : results) CHECK(r);
    CHECK(idle_between == 1);
    CHECK(server.connections == 2);
    CHECK(client.stats().connections_reused == 0);
    CHECK(client.idle_connections() == 1);
}

TEST_CASE("client pool: responses that end the connection are not pooled", "[upstream][pool][client]") {
    struct Case {
        const char* what;
        std::string reply;
    };
    const std::vector<Case> cases = {
        {"Connection: close", ok_reply("hi", "Connection: close\r\n")},
        {"HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"},
        {"body delimited by the close", "HTTP/1.1 200 OK\r\n\r\nhi"},
        {"bytes after the response", ok_reply("hi") + "HTTP/1.1 200 OK\r\n"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        asio::io_context io;
        KeepAliveServer server(io, [&](const KeepAliveServer::SeenRequest&, std::size_t) {
            return KeepAliveServer::Reply{c.reply, true};
        });
        Client client(pool_config());
        std::vector<Result> results;
        run(io, [&]() -> asio::awaitable<void> {
            results.push_back(co_await client.send(get(server.port())));
            results.push_back(co_await client.send(get(server.port())));
            server.stop();
        });
        for (const auto& r : results) {
            REQUIRE(r);
            CHECK(r->body == "hi");
        }
        CHECK(server.connections == 2);
        CHECK(client.idle_connections() == 0);
        CHECK(client.stats().connections_reused == 0);
    }
}

TEST_CASE("client pool: a connection the server closed while idle is replaced, whatever the method", "[upstream][pool][client]") {
    // The server answers as if keeping the connection, then closes it without a word.
    asio::io_context io;
    KeepAliveServer server(io, [](const KeepAliveServer::SeenRequest&, std::size_t) {
        return KeepAliveServer::Reply{ok_reply("hi"), true};
    });
    Client client(pool_config());
    std::vector<Result> results;
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2; ++i) {
            auto request = get(server.port());
            request.method = "POST";
            request.body = "{}";
            results.push_back(co_await client.send(request));
            co_await server.closed.async_receive(use_tuple);  // the close has happened: the FIN is on its way
        }
        server.stop();
    });
    REQUIRE(results.size() == 2);
    for (const auto& r : results) REQUIRE(r);
    CHECK(server.connections == 2);
    CHECK(server.requests == 2);  // nothing was sent twice
    CHECK(client.stats().stale_discarded == 1);
    CHECK(client.stats().retries == 0);
}

TEST_CASE("client pool: a request that reached the server is not sent again", "[upstream][pool][client]") {
    // First request answered with keep-alive; the second read in full, then the connection dropped.
    for (const char* method : {"POST", "GET"}) {
        INFO(method);
        asio::io_context io;
        KeepAliveServer server(io, [](const KeepAliveServer::SeenRequest&, std::size_t index) {
            return index == 0 ? KeepAliveServer::Reply{ok_reply("hi")} : KeepAliveServer::Reply{"", true};
        });
        Client client(pool_config());
        std::vector<Result> results;
        run(io, [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 2; ++i) {
                auto request = get(server.port());
                request.method = method;
                results.push_back(co_await client.send(request));
            }
            server.stop();
        });
        REQUIRE(results.size() == 2);
        REQUIRE(results[0]);
        REQUIRE_FALSE(results[1]);
        CHECK(results[1].error().kind == FailureKind::receive);
        CHECK(server.connections == 1);
        CHECK(server.requests == 2);
        CHECK(client.stats().connections_reused == 1);
        CHECK(client.stats().retries == 0);
    }
}

TEST_CASE("client pool: idle connections close with their io_context, even when the client lives on", "[upstream][pool][client]") {
    Client client(pool_config());  // made before the io_context, as in main
    for (int round = 0; round < 2; ++round) {
        asio::io_context io;
        KeepAliveServer server(io, always_ok);
        std::vector<Result> results;
        run(io, [&]() -> asio::awaitable<void> {
            results.push_back(co_await client.send(get(server.port())));
            server.stop();
        });
        REQUIRE(results.size() == 1);
        CHECK(results[0]);
        CHECK(client.idle_connections() == 1);
    }  // the io_context's shutdown closes the idle socket while its services still exist
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("client pool: HTTPS connections are kept too, and a replacement resumes the TLS session", "[upstream][pool][client][tls]") {
    const auto certificate = testing::make_certificate("IP:127.0.0.1");
    const testing::TempFile ca("mamute-test-pool-ca", certificate.cert_pem);
    ssl::context server_tls(ssl::context::tls_server);
    server_tls.use_certificate(asio::buffer(certificate.cert_pem), ssl::context::pem);
    server_tls.use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    asio::io_context io;
    // Three answers on the first connection, the third followed by a silent close; then all is normal.
    KeepAliveServer server(io, [](const KeepAliveServer::SeenRequest&, std::size_t index) {
        return KeepAliveServer::Reply{ok_reply("secure"), index == 2};
    }, &server_tls);
    auto config = pool_config();
    config.ca_file = ca.path.string();
    Client client(config);
    std::vector<Result> results;
    run(io, [&]() -> asio::awaitable<void> {
        Request request{Origin{"https", "127.0.0.1", server.port()}, "GET", "/r", {}, {}};
        for (int i = 0; i < 3; ++i) results.push_back(co_await client.send(request));
        co_await server.closed.async_receive(use_tuple);
        results.push_back(co_await client.send(request));
        results.push_back(co_await client.send(request));
        server.stop();
    });
    REQUIRE(results.size() == 5);
    for (const auto& r : results) {
        REQUIRE(r);
        CHECK(r->body == "secure");
    }
    CHECK(server.connections == 2);
    CHECK(client.stats().connections_opened == 2);
    CHECK(client.stats().connections_reused == 3);
    CHECK(client.stats().stale_discarded == 1);
    CHECK(client.stats().tls_resumed == 1);
    CHECK(client.idle_connections() == 1);
}
