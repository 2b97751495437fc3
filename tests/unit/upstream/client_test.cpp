// The client against tiny in-process servers on 127.0.0.1, port 0, in the same io_context: no sleeps.
#include "upstream/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <optional>

#include "test_certificate.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace mamute;
using namespace mamute::upstream;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using SeenRequest = http::request<http::string_body>;
// Raw bytes to answer with; empty: never answer (wait until the client gives up and closes).
using Responder = std::function<std::string(const SeenRequest&)>;

// Reads one request, answers with raw bytes, then waits for the client to close.
template <class Stream>
asio::awaitable<void> answer(Stream& stream, const Responder& respond, SeenRequest* seen) {
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(256 * 1024);  // Beast's default (8 KiB) is below what the client may send
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple); ec) co_return;
    SeenRequest request = parser.release();
    if (seen) *seen = request;
    const auto bytes = respond(request);
    if (!bytes.empty()) co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
    char sink[512];
    for (;;)  // until the client closes: it owns the connection's end
        if (auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple); ec) break;
}

asio::awaitable<void> serve_http(tcp::acceptor& acceptor, Responder respond, SeenRequest* seen) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    co_await answer(socket, respond, seen);
}

asio::awaitable<void> serve_https(tcp::acceptor& acceptor, ssl::context& tls, Responder respond, SeenRequest* seen) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    ssl::stream<tcp::socket> stream(std::move(socket), tls);
    if (auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple); handshake_ec) co_return;
    co_await answer(stream, respond, seen);
    co_await stream.async_shutdown(use_tuple);
}

std::string ok_response(const std::string& body, const std::string& extra_headers = "") {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Harness {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }

    Request request(std::string scheme = "http", std::string host = "127.0.0.1") {
        Request r;
        r.origin = Origin{std::move(scheme), std::move(host), port()};
        r.method = "GET";
        r.target = "/cdn/resource?limit=1";
        return r;
    }

    // Runs the client call and the server to completion.
    Expected<Response, Failure> call(const Client& client, Request request, asio::awaitable<void> server) {
        std::optional<Expected<Response, Failure>> result;
        asio::co_spawn(io, std::move(server), asio::detached);
        asio::co_spawn(
            io, [&]() -> asio::awaitable<void> { result.emplace(co_await client.send(std::move(request))); }, asio::detached);
        io.run();
        REQUIRE(result.has_value());
        return std::move(*result);
    }
};

config::UpstreamConfig fast_config() {
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(2000);
    config.total_timeout = std::chrono::milliseconds(5000);
    // These servers answer once and wait for the client to close: one connection per call
    // (pool_test.cpp covers keep-alive).
    config.pool_max_idle_per_origin = 0;
    return config;
}

std::string field(const Response& response, std::string_view name) {
    for (const auto& [key, value] : response.headers)
        if (beast::iequals(key, name)) return value;
    return {};
}

}  // namespace

TEST_CASE("client: plain HTTP round trip", "[upstream][client]") {
    Harness h;
    Client client(fast_config());
    SeenRequest seen;
    auto request = h.request();
    request.method = "POST";
    request.headers = {{"X-API-Key", "k-123"}, {"Content-Type", "application/json"}, {"Accept-Encoding", "gzip"}};
    request.body = R"({"name":"x"})";
    auto result = h.call(client, request, serve_http(h.acceptor, [](const SeenRequest&) {
        return ok_response(R"({"ok":true})", "X-Request-Id: r-1\r\n");
    }, &seen));
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(result->reason == "OK");
    CHECK(result->body == R"({"ok":true})");
    CHECK(field(*result, "x-request-id") == "r-1");
    CHECK(result->elapsed.count() > 0);

    CHECK(seen.method_string() == "POST");
    CHECK(seen.target() == "/cdn/resource?limit=1");
    CHECK(seen[http::field::host] == "127.0.0.1:" + std::to_string(h.port()));
    CHECK(seen[http::field::user_agent] == "mamute-mcp/" MAMUTE_VERSION);
    CHECK(seen.count(http::field::accept_encoding) == 1);  // the body must come back readable, never gzip
    CHECK(seen[http::field::accept_encoding] == "identity");
    CHECK(seen[http::field::content_length] == "12");
    CHECK(seen["X-API-Key"] == "k-123");
    CHECK(seen.body() == R"({"name":"x"})");
}

TEST_CASE("client: interim 1xx responses are skipped, HEAD bodies are not awaited", "[upstream][client]") {
    {
        Harness h;
        Client client(fast_config());
        auto result = h.call(client, h.request(), serve_http(h.acceptor, [](const SeenRequest&) {
            return "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + ok_response("{}");
        }, nullptr));
        REQUIRE(result);
        CHECK(result->status == 200);
    }
    {
        Harness h;
        auto config = fast_config();
        config.total_timeout = std::chrono::milliseconds(1000);
        Client client(config);
        auto request = h.request();
        request.method = "HEAD";
        auto result = h.call(client, request, serve_http(h.acceptor, [](const SeenRequest&) {
            return std::string("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
        }, nullptr));
        REQUIRE(result);
        CHECK(result->status == 200);
        CHECK(result->body.empty());
    }
}

TEST_CASE("client: a response over max_response_bytes is too_large", "[upstream][client]") {
    auto config = fast_config();
    config.max_response_bytes = 1024;
    SECTION("declared by Content-Length") {
        Harness h;
        Client client(config);
        auto result = h.call(client, h.request(), serve_http(h.acceptor, [](const SeenRequest&) {
            return ok_response(std::string(5000, 'x'));
        }, nullptr));
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == FailureKind::too_large);
        CHECK(result.error().message == "response larger than 1024 bytes");
    }
    SECTION("found while reading a chunked body") {
        Harness h;
        Client client(config);
        auto result = h.call(client, h.request(), serve_http(h.acceptor, [](const SeenRequest&) {
            std::string chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            for (int i = 0; i < 5; ++i) chunks += "400\r\n" + std::string(1024, 'y') + "\r\n";
            return chunks + "0\r\n\r\n";
        }, nullptr));
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == FailureKind::too_large);
    }
}

TEST_CASE("client: a server that never answers times out", "[upstream][client]") {
    Harness h;
    auto config = fast_config();
    config.total_timeout = std::chrono::milliseconds(200);
    Client client(config);
    auto result = h.call(client, h.request(), serve_http(h.acceptor, [](const SeenRequest&) { return std::string(); }, nullptr));
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == FailureKind::timeout);
    CHECK(result.error().message ==
          "timed out after 200 ms waiting for the response from http://127.0.0.1:" + std::to_string(h.port()));
}

TEST_CASE("client: refused connections, bad requests and bad CA files", "[upstream][client]") {
    asio::io_context io;
    std::uint16_t closed_port = 0;
    {
        tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        closed_port = probe.local_endpoint().port();
    }
    Client client(fast_config());
    auto send = [&](Request request) {
        std::optional<Expected<Response, Failure>> result;
        asio::co_spawn(
            io, [&]() -> asio::awaitable<void> { result.emplace(co_await client.send(std::move(request))); }, asio::detached);
        io.restart();
        io.run();
        return std::move(*result);
    };
    Request request{Origin{"http", "127.0.0.1", closed_port}, "GET", "/", {}, {}};
    auto refused = send(request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == FailureKind::connect);
    CHECK_THAT(refused.error().message, Catch::StartsWith("cannot connect to http://127.0.0.1:" + std::to_string(closed_port)));

    request.headers = {{"X-A", "1\r\nX-Injected: 2"}};
    auto injected = send(request);
    REQUIRE_FALSE(injected);
    CHECK(injected.error().kind == FailureKind::refused);
    request.headers.clear();
    request.target = "/a b";
    CHECK(send(request).error().kind == FailureKind::refused);

    // .invalid never resolves (RFC 6761); a resolver that hangs instead must hit the deadline.
    auto unresolvable = send(Request{Origin{"http", "host.invalid", 80}, "GET", "/", {}, {}});
    REQUIRE_FALSE(unresolvable);
    CHECK((unresolvable.error().kind == FailureKind::resolve || unresolvable.error().kind == FailureKind::timeout));
    CHECK_THAT(unresolvable.error().message, Catch::Contains("host.invalid"));

    auto config = fast_config();
    config.ca_file = "/nonexistent/mamute-ca.pem";
    CHECK_THROWS_WITH(Client(config), Catch::Contains("/nonexistent/mamute-ca.pem"));
}

TEST_CASE("client: HTTPS verifies the certificate and the host", "[upstream][client][tls]") {
    const auto certificate = testing::make_certificate("IP:127.0.0.1,DNS:localhost");
    const testing::TempFile ca("mamute-test-ca", certificate.cert_pem);
    ssl::context server_tls(ssl::context::tls_server);
    server_tls.use_certificate(asio::buffer(certificate.cert_pem), ssl::context::pem);
    server_tls.use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    // Records the SNI name the client sent ("" when none).
    static std::string sni;
    SSL_CTX_set_tlsext_servername_callback(server_tls.native_handle(), +[](SSL* ssl, int*, void*) {
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        sni = name ? name : "";
        return SSL_TLSEXT_ERR_OK;
    });
    const auto respond = [](const SeenRequest&) { return ok_response(R"({"secure":true})"); };

    SECTION("trusted through ca_file, IP literal: no SNI") {
        Harness h;
        auto config = fast_config();
        config.ca_file = ca.path.string();
        Client client(config);
        sni = "unset";
        SeenRequest seen;
        auto result = h.call(client, h.request("https"), serve_https(h.acceptor, server_tls, respond, &seen));
        REQUIRE(result);
        CHECK(result->status == 200);
        CHECK(result->body == R"({"secure":true})");
        CHECK(sni.empty());
        CHECK(seen[http::field::host] == "127.0.0.1:" + std::to_string(h.port()));
    }
    SECTION("trusted through ca_file, DNS name: SNI sent") {
        Harness h;
        auto config = fast_config();
        config.ca_file = ca.path.string();
        Client client(config);
        auto result = h.call(client, h.request("https", "localhost"), serve_https(h.acceptor, server_tls, respond, nullptr));
        REQUIRE(result);
        CHECK(result->status == 200);
        CHECK(sni == "localhost");
    }
    SECTION("untrusted without ca_file") {
        Harness h;
        Client client(fast_config());
        auto result = h.call(client, h.request("https"), serve_https(h.acceptor, server_tls, respond, nullptr));
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == FailureKind::tls);
        CHECK(result.error().message == "TLS handshake with 127.0.0.1:" + std::to_string(h.port()) +
                                            " failed: certificate verify failed (self-signed certificate)");
    }
}

TEST_CASE("client: a trusted certificate for another host is refused", "[upstream][client][tls]") {
    const auto certificate = testing::make_certificate("DNS:other.example");
    const testing::TempFile ca("mamute-test-other-ca", certificate.cert_pem);
    ssl::context server_tls(ssl::context::tls_server);
    server_tls.use_certificate(asio::buffer(certificate.cert_pem), ssl::context::pem);
    server_tls.use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    auto config = fast_config();
    config.ca_file = ca.path.string();
    Client client(config);
    const auto respond = [](const SeenRequest&) { return ok_response("{}"); };

    Harness by_ip;
    auto ip = by_ip.call(client, by_ip.request("https"), serve_https(by_ip.acceptor, server_tls, respond, nullptr));
    REQUIRE_FALSE(ip);
    CHECK_THAT(ip.error().message, Catch::EndsWith("certificate verify failed (IP address mismatch)"));

    Harness by_name;
    auto name = by_name.call(client, by_name.request("https", "localhost"), serve_https(by_name.acceptor, server_tls, respond, nullptr));
    REQUIRE_FALSE(name);
    CHECK_THAT(name.error().message, Catch::EndsWith("certificate verify failed (hostname mismatch)"));
}

TEST_CASE("client: oversized or unbuildable requests fail without connecting and without throwing", "[upstream][client]") {
    // Beast's fields::insert throws std::length_error for a name or value over 65,535 bytes, and
    // prepare_payload throws for a TRACE with a body: the client must turn every such case into a
    // Failure, and decide before it opens a connection.
    struct Case {
        const char* what;
        std::function<void(Request&)> change;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"value over 64 KiB", [](Request& r) { r.headers = {{"X-Big", std::string(70'000, 'a')}}; },
         "header 'X-Big' is 70005 bytes; at most 8192 bytes per header (name and value)"},
        {"name over 64 KiB", [](Request& r) { r.headers = {{std::string(70'000, 'n'), "1"}}; },
         "is 70001 bytes; at most 8192 bytes per header (name and value)"},
        {"value just over the per-header limit", [](Request& r) { r.headers = {{"X-Big", std::string(8188, 'a')}}; },
         "header 'X-Big' is 8193 bytes; at most 8192 bytes per header (name and value)"},
        {"many headers over the total", [](Request& r) {
             for (int i = 0; i < 10; ++i) r.headers.emplace_back("X-H" + std::to_string(i), std::string(8000, 'v'));
         }, "the request headers add up to"},
        {"a URL over 16 KiB", [](Request& r) { r.target = "/x?q=" + std::string(20'000, 'a'); },
         "the URL path and query are 20005 bytes; at most 16384 bytes are sent"},
        {"a control byte in a header value", [](Request& r) { r.headers = {{"X-A", "a\x0b" "b"}}; },
         "header 'X-A' is malformed"},
        {"TRACE with a body", [](Request& r) {
             r.method = "TRACE";
             r.body = "x";
         }, "cannot build the HTTP request: invalid request body"},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        Harness h;
        Client client(fast_config());
        bool accepted = false;
        std::optional<Expected<Response, Failure>> result;
        asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
            auto [ec, socket] = co_await h.acceptor.async_accept(use_tuple);
            accepted = !ec;
        }, asio::detached);
        auto request = h.request();
        c.change(request);
        asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
            result.emplace(co_await client.send(std::move(request)));
            h.acceptor.close();  // ends the pending accept
        }, asio::detached);
        REQUIRE_NOTHROW(h.io.run());
        REQUIRE(result.has_value());
        REQUIRE_FALSE(*result);
        CHECK(result->error().kind == FailureKind::refused);
        CHECK_THAT(result->error().message, Catch::Contains(c.message));
        CHECK(result->error().message.size() < 400);
        CHECK_FALSE(accepted);
    }
}

TEST_CASE("client: headers at the limits are sent", "[upstream][client]") {
    Harness h;
    Client client(fast_config());
    SeenRequest seen;
    auto request = h.request();
    request.headers = {{"X-Big", std::string(8187, 'a')}};  // 5 + 8187 = 8192 bytes
    auto result = h.call(client, request, serve_http(h.acceptor, [](const SeenRequest&) { return ok_response("{}"); }, &seen));
    REQUIRE(result);
    CHECK(seen["X-Big"].size() == 8187);
}

TEST_CASE("client: a body over max_request_body_bytes is refused without connecting", "[upstream][client]") {
    Harness h;
    auto config = fast_config();
    config.max_request_body_bytes = 16;
    Client client(config);
    bool accepted = false;
    std::optional<Expected<Response, Failure>> result;
    asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
        auto [ec, socket] = co_await h.acceptor.async_accept(use_tuple);
        accepted = !ec;
    }, asio::detached);
    auto request = h.request();
    request.method = "POST";
    request.body = std::string(17, 'x');
    asio::co_spawn(h.io, [&]() -> asio::awaitable<void> {
        result.emplace(co_await client.send(std::move(request)));
        h.acceptor.close();
    }, asio::detached);
    h.io.run();
    REQUIRE(result.has_value());
    REQUIRE_FALSE(*result);
    CHECK(result->error().kind == FailureKind::refused);
    CHECK(result->error().message == "request body is 17 bytes; at most 16 bytes may be sent");
    CHECK_FALSE(accepted);
    CHECK(client.stats().connections_opened == 0);
}

TEST_CASE("client: tls_timeout bounds a handshake the server never answers", "[upstream][client][tls]") {
    Harness h;
    auto config = fast_config();
    config.tls_timeout = std::chrono::milliseconds(150);
    Client client(config);
    // Accepts TCP, then says nothing: the client's ClientHello goes unanswered.
    auto silent = [](tcp::acceptor& acceptor) -> asio::awaitable<void> {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) co_return;
        char sink[512];
        for (;;)
            if (auto [read_ec, n] = co_await socket.async_read_some(asio::buffer(sink), use_tuple); read_ec) break;
    };
    const auto start = std::chrono::steady_clock::now();
    auto result = h.call(client, h.request("https"), silent(h.acceptor));
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == FailureKind::timeout);
    CHECK(result.error().message ==
          "timed out after 150 ms in the TLS handshake with https://127.0.0.1:" + std::to_string(h.port()));
    CHECK(took < std::chrono::milliseconds(2000));  // well before total_timeout (5 s)
}

TEST_CASE("client: a second TLS connection to an origin resumes the session, and only to that origin",
          "[upstream][client][tls]") {
    const auto certificate = testing::make_certificate("IP:127.0.0.1,DNS:localhost");
    const testing::TempFile ca("mamute-test-resume-ca", certificate.cert_pem);
    ssl::context server_tls(ssl::context::tls_server);
    server_tls.use_certificate(asio::buffer(certificate.cert_pem), ssl::context::pem);
    server_tls.use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    auto config = fast_config();  // no pooling: every call makes a new connection and handshake
    config.ca_file = ca.path.string();
    Client client(config);
    const auto respond = [](const SeenRequest&) { return ok_response("{}"); };

    for (const char* tls_version : {"TLS 1.3", "TLS 1.2"}) {
        INFO(tls_version);
        if (std::string(tls_version) == "TLS 1.2") SSL_CTX_set_max_proto_version(server_tls.native_handle(), TLS1_2_VERSION);
        const auto resumed_before = client.stats().tls_resumed.load();
        Harness h;
        for (int i = 0; i < 3; ++i) {
            auto result = h.call(client, h.request("https"), serve_https(h.acceptor, server_tls, respond, nullptr));
            REQUIRE(result);
            h.io.restart();
        }
        CHECK(client.stats().tls_resumed - resumed_before == 2);
        // Same server, other host name: another origin, so a full handshake with its own checks.
        auto by_name = h.call(client, h.request("https", "localhost"), serve_https(h.acceptor, server_tls, respond, nullptr));
        REQUIRE(by_name);
        CHECK(client.stats().tls_resumed - resumed_before == 2);
    }
}
