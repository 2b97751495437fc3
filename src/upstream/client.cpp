#include "upstream/client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/text.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/redirect.hpp"
#include "upstream/retry_rule.hpp"
#include "upstream/tls_session_cache.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Result = Expected<Response, Failure>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_header_bytes = 64 * 1024;
constexpr std::size_t max_target_bytes = 16 * 1024;
// A peer that never answers our close_notify must not hold the result back for long.
constexpr auto tls_shutdown_grace = std::chrono::milliseconds(1000);

// Deadlines for one call: every operation gets what is left of the total budget.
struct Budget {
    Clock::time_point start = Clock::now();
    Clock::time_point deadline;
    std::chrono::milliseconds total;

    explicit Budget(std::chrono::milliseconds total_timeout) : deadline(start + total_timeout), total(total_timeout) {}
    Clock::duration remaining() const { return std::max(deadline - Clock::now(), Clock::duration::zero()); }
};

std::string host_port(const Origin& origin) {
    const bool ipv6 = origin.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + origin.host + "]" : origin.host) + ":" + std::to_string(origin.port);
}

std::string host_header(const Origin& origin) {
    const bool ipv6 = origin.host.find(':') != std::string::npos;
    std::string out = ipv6 ? "[" + origin.host + "]" : origin.host;
    if (origin.port != default_port(origin.scheme)) out += ":" + std::to_string(origin.port);
    return out;
}

Failure timeout(std::chrono::milliseconds after, const std::string& what) {
    return {FailureKind::timeout, "timed out after " + std::to_string(after.count()) + " ms " + what};
}

// The request came from our builder, but the client is the last line against header injection, and
// against anything Beast would throw on (fields over 64 KiB): send() never throws for any input.
std::optional<Failure> check_request(const Request& request) {
    auto refuse = [](std::string why) { return Failure{FailureKind::refused, std::move(why)}; };
    if (request.origin.scheme != "http" && request.origin.scheme != "https")
        return refuse("scheme '" + catalog::shorten(request.origin.scheme) + "' is not supported");
    if (request.origin.host.empty() || request.origin.port == 0) return refuse("request has no host or port");
    if (request.origin.host.size() > 255) return refuse("the host name is longer than 255 bytes");
    if (!is_valid_header_name(request.method)) return refuse("'" + catalog::shorten(request.method) + "' is not a valid method");
    if (request.target.empty() || request.target.front() != '/' ||
        std::any_of(request.target.begin(), request.target.end(),
                    [](unsigned char c) { return c <= 0x20 || c == 0x7F; }))
        return refuse("the request target is not a valid origin-form path");
    // Servers commonly refuse request lines past 8 KiB; far longer ones are a mistake, not a request.
    if (request.target.size() > max_target_bytes)
        return refuse("the URL path and query are " + std::to_string(request.target.size()) + " bytes; at most " +
                      std::to_string(max_target_bytes) + " bytes are sent");
    for (const auto& [name, value] : request.headers)
        if (!is_valid_header_name(name) || !is_valid_header_value(value))
            return refuse("header '" + catalog::shorten(name) + "' is malformed (invalid name, or CR/LF/NUL in its value)");
    if (auto problem = headers_size_problem(request.headers)) return refuse(std::move(*problem));
    return std::nullopt;
}

bool owned_by_client(std::string_view name) {
    for (std::string_view owned :
         {"host", "content-length", "transfer-encoding", "connection", "user-agent", "accept-encoding"})
        if (iequals(name, owned)) return true;
    return false;
}

using Message = http::request<http::string_body>;

// Beast reports some problems by throwing (std::length_error for an oversized field, std::invalid_argument
// for a TRACE with a body): check_request refuses the known ones first, and whatever else is thrown
// becomes a refusal too. Built before any connection is opened. Without pooling every call says
// "Connection: close"; with it, HTTP/1.1's default keep-alive applies.
Expected<Message, Failure> build_message(const Request& request, bool keep_alive) {
    try {
        Message message;
        message.version(11);
        message.method_string(request.method);
        message.target(request.target);
        message.set(http::field::host, host_header(request.origin));
        message.set(http::field::user_agent, "mamute-mcp/" MAMUTE_VERSION);
        // The body goes to an agent as it came: without this, RFC 9110 lets a server pick any coding (gzip).
        message.set(http::field::accept_encoding, "identity");
        for (const auto& [name, value] : request.headers)
            if (!owned_by_client(name)) message.insert(name, value);
        if (!keep_alive) message.set(http::field::connection, "close");
        message.body() = request.body;  // copied: a 307/308 sends it again
        message.prepare_payload();
        return message;
    } catch (const std::exception& e) {
        return Failure{FailureKind::refused, std::string("cannot build the HTTP request: ") + e.what()};
    }
}

using Endpoints = std::vector<tcp::endpoint>;

// getaddrinfo cannot be cancelled, so the lookup completes into a channel that a deadline timer
// can also complete: a hung DNS server costs a resolver thread for a while, never the call's budget.
asio::awaitable<std::pair<error_code, Endpoints>> resolve(const Origin& origin, Clock::time_point deadline) {
    auto executor = co_await asio::this_coro::executor;
    error_code ec;
    if (auto address = asio::ip::make_address(origin.host, ec); !ec)
        co_return std::pair{error_code{}, Endpoints{tcp::endpoint(address, origin.port)}};

    using Channel = asio::experimental::concurrent_channel<void(error_code, Endpoints)>;
    auto channel = std::make_shared<Channel>(executor, 1);
    auto resolver = std::make_shared<tcp::resolver>(executor);
    resolver->async_resolve(origin.host, std::to_string(origin.port),
                            [channel, resolver](error_code ec, const tcp::resolver::results_type& results) {
                                Endpoints endpoints;
                                for (const auto& entry : results) endpoints.push_back(entry.endpoint());
                                channel->try_send(ec, std::move(endpoints));
                            });
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([channel](error_code ec) {
        if (!ec) channel->try_send(beast::error::timeout, Endpoints{});
    });
    auto [result_ec, endpoints] = co_await channel->async_receive(use_tuple);
    timer.cancel();
    co_return std::pair{result_ec, std::move(endpoints)};
}

std::string tls_error_text(SSL* ssl, const error_code& ec) {
    if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK)
        return std::string("certificate verify failed (") + X509_verify_cert_error_string(verify) + ")";
    return ec.message();
}

Failure read_failure(const error_code& ec, const std::string& origin, const Budget& budget, std::size_t limit) {
    if (ec == beast::error::timeout) return timeout(budget.total, "waiting for the response from " + origin);
    if (ec == http::error::body_limit) return {FailureKind::too_large, "response larger than " + std::to_string(limit) + " bytes"};
    if (ec == http::error::header_limit)
        return {FailureKind::too_large, "response headers larger than " + std::to_string(max_header_bytes) + " bytes"};
    if (ec == http::error::end_of_stream || ec == asio::error::eof)
        return {FailureKind::receive, origin + " closed the connection before a complete response"};
    if (ec.category() == http::make_error_code(http::error::bad_version).category())
        return {FailureKind::protocol, "invalid HTTP response from " + origin + ": " + ec.message()};
    return {FailureKind::receive, "reading the response from " + origin + " failed: " + ec.message()};
}

// What one request/response on one connection gave.
struct Exchange {
    Result result;
    bool nothing_sent = false;  // the write failed before a single byte left: safe to send elsewhere
    bool reusable = false;      // response complete, keep-alive, nothing left over: may go back to the pool
};

// Writes the request and reads one final response; the stream is plain TCP or TLS.
template <class Stream>
asio::awaitable<Exchange> exchange(Stream& stream, const Message& message, const Request& request, const Budget& budget,
                                   std::size_t body_limit) {
    const auto origin = request.origin.to_string();
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_after(budget.remaining());
    if (auto [ec, n] = co_await http::async_write(stream, message, use_tuple); ec) {
        if (ec == beast::error::timeout) co_return Exchange{timeout(budget.total, "sending the request to " + origin), n == 0};
        co_return Exchange{Failure{FailureKind::send, "sending the request to " + origin + " failed: " + ec.message()}, n == 0};
    }
    beast::flat_buffer buffer;
    for (int interim = 0; interim < 8; ++interim) {  // skip 1xx interim responses (103 Early Hints, ...)
        http::response_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        parser.header_limit(max_header_bytes);
        if (request.method == "HEAD") parser.skip(true);  // a HEAD response has no body, whatever it says
        tcp_layer.expires_after(budget.remaining());
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec == ssl::error::stream_truncated && parser.is_header_done()) {
            // A TLS peer that closed without close_notify: fine if the body was delimited by the close.
            error_code eof_ec;
            parser.put_eof(eof_ec);
            if (!eof_ec && parser.is_done()) ec = {};
        }
        if (ec) co_return Exchange{read_failure(ec, origin, budget, body_limit)};
        auto& response = parser.get();
        if (response.result_int() / 100 == 1 && response.result_int() != 101) continue;
        Response out;
        out.status = response.result_int();
        out.reason = std::string(response.reason());
        for (const auto& field : response) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        out.body = std::move(response.body());
        out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - budget.start);
        // keep_alive(): HTTP/1.1 without "Connection: close" (or 1.0 with keep-alive), and a body that
        // ended by its length or last chunk, not by the close. Bytes after it would desynchronise the next call.
        const bool reusable = parser.keep_alive() && buffer.size() == 0 && out.status != 101;
        co_return Exchange{std::move(out), false, reusable};
    }
    co_return Exchange{Failure{FailureKind::protocol, origin + " sent too many interim (1xx) responses"}};
}

std::optional<std::string> header_value(const HeaderList& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return std::nullopt;
}

// What one call needs of the client, passed to the free functions below.
struct Parts {
    const config::UpstreamConfig& config;
    ssl::context& tls;
    TlsSessionCache& sessions;
    ConnectionPool& pool;
    Client::Stats& stats;
};

using Opened = Expected<std::unique_ptr<Connection>, Failure>;

// A new connection: resolve, TCP connect (connect_timeout), TLS handshake (tls_timeout), each capped by
// what is left of the call's budget.
asio::awaitable<Opened> open_connection(const Parts& parts, const Origin& target, const std::string& key, const Budget& budget) {
    const auto origin = target.to_string();
    auto executor = co_await asio::this_coro::executor;

    auto [resolve_ec, endpoints] = co_await resolve(target, budget.deadline);
    if (resolve_ec == beast::error::timeout) co_return timeout(budget.total, "resolving " + target.host);
    if (resolve_ec || endpoints.empty())
        co_return Failure{FailureKind::resolve,
                          "cannot resolve host '" + target.host + "': " + (resolve_ec ? resolve_ec.message() : "no addresses")};

    beast::tcp_stream tcp_stream(executor);
    const bool connect_limited = parts.config.connect_timeout < budget.remaining();
    tcp_stream.expires_after(connect_limited ? Clock::duration(parts.config.connect_timeout) : budget.remaining());
    if (auto [ec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_tuple); ec) {
        if (ec == beast::error::timeout)
            co_return timeout(connect_limited ? parts.config.connect_timeout : budget.total, "connecting to " + origin);
        co_return Failure{FailureKind::connect, "cannot connect to " + origin + ": " + ec.message()};
    }
    ++parts.stats.connections_opened;

    if (target.scheme == "http")
        co_return std::make_unique<Connection>(key, std::in_place_type<PlainStream>, std::move(tcp_stream));

    auto connection = std::make_unique<Connection>(key, std::in_place_type<TlsStream>, std::move(tcp_stream), parts.tls);
    auto& tls_stream = std::get<TlsStream>(connection->stream);
    SSL* ssl_handle = tls_stream.native_handle();
    error_code address_ec;
    [[maybe_unused]] const auto address = asio::ip::make_address(target.host, address_ec);
    const bool ip_literal = !address_ec;
    // Beast's example checks neither: SNI for names only (RFC 6066), and the name or IP must match.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const bool configured = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str()) == 1
                                       : (SSL_set_tlsext_host_name(ssl_handle, target.host.c_str()) == 1 &&
                                          X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), 0) == 1);
    if (!configured) co_return Failure{FailureKind::tls, "cannot set up certificate checks for host '" + target.host + "'"};
    parts.sessions.prepare(ssl_handle, connection->origin_key);

    const bool tls_limited = parts.config.tls_timeout < budget.remaining();
    beast::get_lowest_layer(tls_stream).expires_after(tls_limited ? Clock::duration(parts.config.tls_timeout) : budget.remaining());
    if (auto [handshake_ec] = co_await tls_stream.async_handshake(ssl::stream_base::client, use_tuple); handshake_ec) {
        if (handshake_ec == beast::error::timeout)
            co_return timeout(tls_limited ? parts.config.tls_timeout : budget.total, "in the TLS handshake with " + origin);
        co_return Failure{FailureKind::tls,
                          "TLS handshake with " + host_port(target) + " failed: " + tls_error_text(ssl_handle, handshake_ec)};
    }
    if (SSL_session_reused(ssl_handle) == 1) ++parts.stats.tls_resumed;
    co_return std::move(connection);
}

// An idle pooled connection the peer has not closed meanwhile, or null.
std::unique_ptr<Connection> checkout_live(const Parts& parts, const std::string& key) {
    while (auto connection = parts.pool.checkout(key)) {
        if (peer_closed(connection->lowest())) {
            ++parts.stats.stale_discarded;  // nothing was sent on it: any method may take a fresh one
            continue;
        }
        connection->reused = true;
        connection->between_exchanges = false;  // from here on, a close may cut a message short
        ++parts.stats.connections_reused;
        return connection;
    }
    return nullptr;
}

// One request, one final response: on a pooled connection when there is one, else on a new one.
asio::awaitable<Result> send_once(const Parts& parts, const Request& request, const Message& message, const Budget& budget) {
    const auto key = origin_key(request.origin);
    bool retried = false;
    for (;;) {
        // A retry always takes a new connection: the pool may hold more connections that died the same way.
        auto connection = (parts.pool.enabled() && !retried) ? checkout_live(parts, key) : nullptr;
        if (!connection) {
            auto opened = co_await open_connection(parts, request.origin, key, budget);
            if (!opened) co_return opened.error();
            connection = std::move(*opened);
        }
        auto outcome = co_await std::visit(
            [&](auto& stream) { return exchange(stream, message, request, budget, parts.config.max_response_bytes); },
            connection->stream);
        if (!outcome.result && may_resend(request.method, connection->reused, outcome.nothing_sent, retried) &&
            budget.remaining() > Clock::duration::zero()) {
            retried = true;
            ++parts.stats.retries;
            continue;
        }
        if (!outcome.result) co_return std::move(outcome.result);  // the stream may be mid-message: just close it
        if (outcome.reusable && parts.pool.enabled()) {
            connection->lowest().expires_never();
            parts.pool.checkin(std::move(connection));
        } else if (auto* tls_stream = std::get_if<TlsStream>(&connection->stream)) {
            // Polite close_notify; its errors (stream_truncated, eof, timeout) change nothing about the result.
            beast::get_lowest_layer(*tls_stream).expires_after(std::min<Clock::duration>(budget.remaining(), tls_shutdown_grace));
            co_await tls_stream->async_shutdown(use_tuple);
        }
        co_return std::move(outcome.result);
    }
}

}  // namespace

Client::Client(const config::UpstreamConfig& config) : config_(config), tls_(ssl::context::tls_client) {
    error_code ec;
    tls_.set_default_verify_paths(ec);  // a missing system store is not fatal: ca_file may be enough
    if (!config_.ca_file.empty()) {
        tls_.load_verify_file(config_.ca_file, ec);
        if (ec) throw std::runtime_error("cannot load CA file '" + config_.ca_file + "': " + ec.message());
    }
    tls_.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    sessions_ = std::make_unique<TlsSessionCache>(tls_.native_handle());
    pool_ = std::make_unique<ConnectionPool>(config_.pool_max_idle_per_origin, config_.pool_idle_timeout);
}

Client::~Client() = default;

std::size_t Client::idle_connections() const { return pool_->idle_count(); }

asio::awaitable<Result> Client::send(Request request) const {
    if (request.body.size() > config_.max_request_body_bytes)
        co_return Failure{FailureKind::refused, "request body is " + std::to_string(request.body.size()) +
                                                    " bytes; at most " + std::to_string(config_.max_request_body_bytes) +
                                                    " bytes may be sent"};
    const Parts parts{config_, tls_, *sessions_, *pool_, stats_};
    const Budget budget(config_.total_timeout);  // covers the whole redirect chain
    std::vector<std::string> followed;
    for (unsigned hops = 0;; ++hops) {
        if (auto refused = check_request(request)) co_return *refused;
        auto built = build_message(request, pool_->enabled());
        if (!built) co_return built.error();
        auto result = co_await send_once(parts, request, *built, budget);
        if (!result) co_return result;
        auto& response = *result;
        response.followed_redirects = followed;
        const auto location = is_followable_redirect(response.status) ? header_value(response.headers, "Location") : std::nullopt;
        if (!location) co_return result;
        // Only the same origin: the credentials in the headers must never travel anywhere else.
        // max_redirects 0 turns following off: the agent gets the redirect itself.
        auto next = same_origin_target(request.origin, request.target, *location);
        if (!next || config_.max_redirects == 0) {
            response.redirect_not_followed = *location;
            co_return result;
        }
        if (hops == config_.max_redirects)
            co_return Failure{FailureKind::redirect, "more than " + std::to_string(config_.max_redirects) +
                                                         " redirects; the last one was " + std::to_string(response.status) +
                                                         " to '" + catalog::shorten(*location) + "'"};
        followed.push_back(std::to_string(response.status) + " -> " + *next);
        apply_redirect(request, response.status, std::move(*next));
    }
}

}  // namespace mamute::upstream
