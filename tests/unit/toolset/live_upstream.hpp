#pragma once
// In-process upstreams for execute-request tests that go through the real client: listeners on 127.0.0.1,
// port 0, in the test's io_context, that count every connection and answer it with a chosen behaviour
// (a response, a reset, garbage, silence), plain or over TLS. Calls run until their result is in, so a
// listener that never finishes (silence, an accept loop) holds nothing back and no test sleeps.
#include <openssl/pem.h>
#include <openssl/x509.h>

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
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "../upstream/spec_fixture.hpp"
#include "../upstream/test_certificate.hpp"
#include "toolset/execute_request.hpp"

namespace mamute::testing {

namespace live {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using Seen = http::request<http::string_body>;
using TlsStream = ssl::stream<tcp::socket>;

// What a listener does with one connection, after accepting it (and the TLS handshake, for TLS).
enum class Act {
    respond,        // read a request, write respond(request), close
    reset,          // read a request, write a response head and part of its body, then reset (RST)
    garbage,        // read a request, answer with bytes that are not HTTP, close
    silent,         // read a request, never answer; wait until the client closes
    hang_up,        // read a request, close without answering
    close,          // close at once without reading (a trap: only the accept counts)
};

inline std::string response_bytes(unsigned status, std::string reason, const std::string& body,
                                  const std::string& extra_headers = "",
                                  const std::string& content_type = "application/json") {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + content_type + "\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// Reads one request; nullopt when the client went away first.
template <class Stream>
asio::awaitable<std::optional<Seen>> read_request(Stream& stream) {
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(256 * 1024);
    parser.body_limit(16 * 1024 * 1024);
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple); ec) co_return std::nullopt;
    co_return parser.release();
}

template <class Stream>
asio::awaitable<void> drain(Stream& stream) {
    char sink[1024];
    for (;;)
        if (auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple); ec) co_return;
}

// An RST instead of a FIN: linger on with a zero timeout, then close.
inline void reset(tcp::socket& socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::socket::linger(true, 0), ec);
    socket.close(ec);
}

struct Listener {
    tcp::acceptor acceptor;
    Act act = Act::respond;
    std::function<std::string(const Seen&)> respond = [](const Seen&) { return response_bytes(200, "OK", "{}"); };
    ssl::context* tls = nullptr;  // set: every connection is TLS with this server context
    std::size_t accepts = 0;
    std::vector<Seen> seen;

    explicit Listener(asio::io_context& io) : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
    std::uint16_t port() const { return acceptor.local_endpoint().port(); }
    std::string url() const { return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()); }

    // Accepts until the acceptor is closed; each connection on its own coroutine.
    void start() { asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached); }

    // Connections made but not yet accepted count too: after the calls are over, take whatever the kernel
    // queued without waiting (a connect completes in the kernel whether or not anyone accepts it).
    std::size_t connections() {
        boost::system::error_code ec;
        acceptor.non_blocking(true, ec);
        for (;;) {
            tcp::socket socket(acceptor.get_executor());
            acceptor.accept(socket, ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::bad_descriptor) break;
            if (!ec || ec == asio::error::connection_aborted) ++accepts;
            else break;
        }
        acceptor.non_blocking(false, ec);
        return accepts;
    }

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            if (ec) continue;
            ++accepts;
            asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        if (act == Act::close) co_return;
        if (!tls) {
            co_await behave(socket, socket);
            co_return;
        }
        TlsStream stream(std::move(socket), *tls);
        if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple); ec) co_return;
        co_await behave(stream, stream.next_layer());
    }

    template <class Stream>
    asio::awaitable<void> behave(Stream& stream, tcp::socket& socket) {
        auto request = co_await read_request(stream);
        if (!request) co_return;
        seen.push_back(*request);
        switch (act) {
            case Act::respond: {
                const auto bytes = respond(*request);
                co_await asio::async_write(stream, asio::buffer(bytes), use_tuple);
                co_await drain(stream);  // the client closes first: it owns the connection's end
                co_return;
            }
            case Act::reset: {
                static const std::string head =
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"partial\": ";
                co_await asio::async_write(stream, asio::buffer(head), use_tuple);
                reset(socket);
                co_return;
            }
            case Act::garbage: {
                static const std::string junk = "SSH-2.0-OpenSSH_9.6\r\n\x01\x02\xff not a response\r\n\r\n";
                co_await asio::async_write(stream, asio::buffer(junk), use_tuple);
                reset(socket);
                co_return;
            }
            case Act::silent: co_await drain(stream); co_return;
            case Act::hang_up: co_return;
            case Act::close: co_return;
        }
    }
};

// A TLS server context presenting `certificate`.
inline std::unique_ptr<ssl::context> server_tls(const TestCertificate& certificate) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    context->use_certificate(asio::buffer(certificate.cert_pem), ssl::context::pem);
    context->use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    return context;
}

// make_certificate's certificate with its own common name (so several can share one CA file without
// OpenSSL confusing them by subject) and valid from now + not_before to now + not_after seconds,
// signed again with its own key.
inline TestCertificate resigned(const TestCertificate& original, const std::string& common_name, long not_before,
                                long not_after) {
    auto bio = [](const std::string& pem) {
        return std::unique_ptr<BIO, decltype(&BIO_free)>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    };
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio(original.cert_pem).get(), nullptr, nullptr, nullptr),
                                                     X509_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio(original.key_pem).get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!cert || !key) throw std::runtime_error("cannot read the test certificate");
    X509_NAME* name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
    X509_set_subject_name(cert.get(), name);
    X509_set_issuer_name(cert.get(), name);
    X509_NAME_free(name);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("cannot sign the test certificate");
    std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(out.get(), cert.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(out.get(), &data);
    return TestCertificate{std::string(data, static_cast<std::size_t>(size)), original.key_pem};
}

// The MamuteCloud test spec, one client, and execute-request calls aimed at any listener through base_url.
struct Rig {
    asio::io_context io;
    catalog::Catalog catalog;
    config::UpstreamConfig config;
    std::optional<upstream::Client> client;

    explicit Rig(config::UpstreamConfig upstream_config) : config(std::move(upstream_config)) {
        catalog.specs.push_back(std::make_shared<catalog::Spec>(mamute_spec()));
        client.emplace(config);
    }

    // One execute-request call with base_url set, run until its result is in.
    toolset::ToolResult call(const std::string& base_url, const std::string& args, const toolset::CallContext& context = {}) {
        auto call_config = config;
        call_config.base_url = base_url;
        std::optional<toolset::ToolResult> result;
        const auto parsed = boost::json::parse(args).as_object();
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                result = co_await toolset::execute_request(catalog, *client, call_config, parsed, context);
            },
            asio::detached);
        io.restart();
        while (!result && io.run_one() > 0) {
        }
        REQUIRE(result.has_value());
        return std::move(*result);
    }
};

// The port of a listener that was opened and closed again: nothing listens there.
inline std::uint16_t closed_port(asio::io_context& io) {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return probe.local_endpoint().port();
}

}  // namespace live

}  // namespace mamute::testing
