#include "transport/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <openssl/rand.h>

#include "common/encoding.hpp"
#include "common/log.hpp"
#include "transport/sse_response.hpp"

namespace mamute::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_request_id_length = 128;

std::optional<std::string> header(const http::request<http::string_body>& request, std::string_view name) {
    auto it = request.find(name);
    if (it == request.end()) return std::nullopt;
    return std::string(it->value());
}

bool safe_request_id(std::string_view id) {
    if (id.empty() || id.size() > max_request_id_length) return false;
    for (unsigned char c : id)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

std::string new_request_id() {
    unsigned char bytes[8];
    RAND_bytes(bytes, sizeof bytes);
    return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

mcp::IncomingHttp to_incoming(http::request<http::string_body>& request, const std::vector<std::string>& credential_headers,
                              const std::string& remote_address) {
    mcp::IncomingHttp in;
    in.remote_address = remote_address;
    in.forwarded_for = header(request, "X-Forwarded-For");
    in.method = std::string(request.method_string());
    in.target = std::string(request.target());
    in.host = header(request, "Host");
    in.origin = header(request, "Origin");
    in.accept = header(request, "Accept");
    in.content_type = header(request, "Content-Type");
    in.session_id = header(request, "Mcp-Session-Id");
    in.protocol_version = header(request, "MCP-Protocol-Version");
    in.mcp_method = header(request, "Mcp-Method");
    in.mcp_name = header(request, "Mcp-Name");
    for (const auto& name : credential_headers)
        if (auto value = header(request, name)) in.credentials.emplace_back(name, std::move(*value));
    in.access_control_request_method = header(request, "Access-Control-Request-Method");
    in.access_control_request_headers = header(request, "Access-Control-Request-Headers");
    const auto given_id = header(request, "X-Request-Id");
    in.request_id = given_id && safe_request_id(*given_id) ? *given_id : new_request_id();
    in.body = std::move(request.body());
    return in;
}

http::response<http::string_body> to_response(const mcp::HttpReply& reply, unsigned version, bool keep_alive) {
    http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
    response.set(http::field::server, "mamute-mcp/" MAMUTE_VERSION);
    for (const auto& [name, value] : reply.headers) response.insert(name, value);
    if (!reply.body.empty()) {
        response.set(http::field::content_type, reply.content_type);
        response.body() = reply.body;
    }
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

// A reply for a request that could not be read whole (too large, malformed).
http::response<http::string_body> early_error(http::status status, std::string_view message) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.body() = std::string(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":")") +
                      std::string(message) + "\"}}";
    response.keep_alive(false);
    response.prepare_payload();
    return response;
}

// Completes only when the peer closes the connection; a reply being computed is then abandoned
// (for revision 2026-07-28 a closed stream is how a client cancels). Bytes a client pipelines
// behind its request are left for the next read.
asio::awaitable<void> peer_closed(beast::tcp_stream& stream) {
    auto& socket = stream.socket();
    // An error here (including cancellation once the reply is ready) ends the watch; the reply
    // then wins the race if it is ready, and a broken connection counts as closed.
    if (auto [wait_error] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read, use_nothrow); wait_error)
        co_return;
    char byte;
    boost::system::error_code peek_error;
    if (socket.receive(asio::buffer(&byte, 1), asio::socket_base::message_peek, peek_error) == 0 || peek_error)
        co_return;
    // Pipelined data, not a close: wait until the reply is ready and cancels us.
    asio::steady_timer forever(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await forever.async_wait(use_nothrow);
}

// The MCP reply, or a 500 when something unexpected was thrown: a bug must cost one request, not the connection.
asio::awaitable<mcp::HttpReply> compute_reply(const mcp::Server& mcp, mcp::IncomingHttp incoming, mcp::EventSink* sink) {
    try {
        co_return co_await mcp.handle(std::move(incoming), sink);
    } catch (const boost::system::system_error& e) {
        if (e.code() == asio::error::operation_aborted) throw;  // cancelled: the peer is gone
        log::get("http")->error("internal error: {}", e.what());
    } catch (const std::exception& e) {
        log::get("http")->error("internal error: {}", e.what());
    }
    mcp::HttpReply reply;
    reply.status = 500;
    reply.body = R"({"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}})";
    co_return reply;
}

// GET /mcp: holds a server-to-client stream open, with comment lines as keep-alives, until the
// client goes, its session is deleted, or the server stops.
asio::awaitable<void> run_event_stream(SseResponse& sse, beast::tcp_stream& stream, const std::string& session,
                                       const mcp::Server& mcp, std::chrono::milliseconds keepalive_interval) {
    auto executor = co_await asio::this_coro::executor;
    auto registration = mcp.register_stream(session, executor);
    if (!co_await sse.start()) co_return;
    auto keep_alive = [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(executor);
        for (;;) {
            timer.expires_after(keepalive_interval);
            auto [ec] = co_await timer.async_wait(
                asio::bind_cancellation_slot(registration->signal.slot(), asio::as_tuple(asio::use_awaitable)));
            if (ec) co_return;  // the session ended
            if (!co_await sse.comment("keepalive")) co_return;
        }
    };
    // A client that goes away frees its descriptor now, not at the next failed keep-alive.
    using namespace asio::experimental::awaitable_operators;
    auto ended = co_await (keep_alive() || peer_closed(stream));
    if (ended.index() == 0) co_await sse.finish({});
}

}  // namespace

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, std::shared_ptr<const ConnectionSettings> settings,
                                       std::shared_ptr<const mcp::Server> mcp) {
    const auto& config = settings->http;
    auto logger = log::get("http");
    boost::system::error_code endpoint_ec;
    const auto peer = socket.remote_endpoint(endpoint_ec);
    const std::string remote_address = endpoint_ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;

    for (;;) {
        // A fresh parser per message, so each gets its own limits.
        http::request_parser<http::string_body> parser;
        parser.body_limit(config.max_request_bytes);
        parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
        // One deadline covers the whole request, header and body: a slow client cannot hold us.
        stream.expires_after(config.read_timeout);
        auto [read_error, bytes_read] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
        if (!read_error && parser.get()[http::field::expect] == "100-continue" && !parser.is_done()) {
            // Clients that ask first (curl does for large bodies) would otherwise wait a second.
            http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
            auto [continue_error, continue_bytes] = co_await http::async_write(stream, go_on, use_nothrow);
            read_error = continue_error;
        }
        if (!read_error && !parser.is_done()) {
            auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, use_nothrow);
            read_error = body_error;
        }
        (void)bytes_read;
        if (read_error) {
            if (read_error == http::error::body_limit) {
                stream.expires_after(config.read_timeout);
                co_await http::async_write(stream, early_error(http::status::payload_too_large,
                                                               "Request body too large"),
                                           use_nothrow);
            } else if (read_error == http::error::header_limit) {
                stream.expires_after(config.read_timeout);
                co_await http::async_write(stream, early_error(http::status::request_header_fields_too_large,
                                                               "Request headers too large"),
                                           use_nothrow);
            } else if (read_error != http::error::end_of_stream && read_error != beast::error::timeout &&
                       read_error != asio::error::connection_reset && read_error != asio::error::operation_aborted &&
                       read_error != asio::error::eof) {
                stream.expires_after(config.read_timeout);
                co_await http::async_write(stream, early_error(http::status::bad_request, "Malformed HTTP request"),
                                           use_nothrow);
            }
            break;
        }

        auto request = parser.release();
        // One Host (HTTP/1.1 requires it) and at most one Origin: with two, which one was checked?
        if ((request.version() >= 11 && request.count(http::field::host) != 1) || request.count(http::field::host) > 1 ||
            request.count(http::field::origin) > 1) {
            stream.expires_after(config.read_timeout);
            co_await http::async_write(stream, early_error(http::status::bad_request,
                                                           "Bad Request: exactly one Host and at most one Origin header"),
                                       use_nothrow);
            break;
        }
        const auto started = std::chrono::steady_clock::now();
        const bool keep_alive = request.keep_alive();
        const unsigned version = request.version();
        auto incoming = to_incoming(request, settings->credential_headers, remote_address);
        const std::string request_id = incoming.request_id;
        const std::string method = incoming.method;
        const std::string target = incoming.target.substr(0, incoming.target.find('?'));
        auto stream_headers = mcp->cors_headers(incoming);
        stream_headers.emplace_back("X-Request-Id", request_id);
        SseResponse sse(stream, version, keep_alive, std::move(stream_headers), config.read_timeout);

        // No deadline while the reply is computed: a tool call bounds its own upstream time.
        stream.expires_never();
        using namespace asio::experimental::awaitable_operators;
        // HTTP/1.0 has no chunked framing for an SSE reply: such clients get plain JSON.
        auto outcome = co_await (compute_reply(*mcp, std::move(incoming), version >= 11 ? &sse : nullptr) ||
                                 peer_closed(stream));
        if (outcome.index() == 1) {
            logger->info("[{}] {} {} client closed the connection; request cancelled", request_id, method, target);
            break;
        }
        auto reply = std::move(std::get<0>(outcome));
        bool written = false;
        if (sse.started()) {
            // Progress or log messages went first: the reply is the stream's last event.
            written = co_await sse.finish(reply.body);
        } else if (reply.open_stream_for_session) {
            logger->info("[{}] {} {} event stream opened", request_id, method, target);
            if (version < 11) {
                // Event streams need chunked framing, which HTTP/1.0 lacks.
                co_await http::async_write(stream, early_error(http::status::http_version_not_supported,
                                                               "HTTP/1.1 is required for an event stream"),
                                           use_nothrow);
                break;
            }
            co_await run_event_stream(sse, stream, *reply.open_stream_for_session, *mcp, settings->keepalive_interval);
            logger->info("[{}] {} {} event stream closed", request_id, method, target);
            break;
        } else {
            reply.set_header("X-Request-Id", request_id);
            auto response = to_response(reply, version, keep_alive);
            stream.expires_after(config.read_timeout);
            auto [write_error, bytes_written] = co_await http::async_write(stream, response, use_nothrow);
            (void)bytes_written;
            written = !write_error;
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                                   started);
        logger->info("[{}] {} {} {} {}us", request_id, method, target, reply.status, elapsed.count());
        if (!written || !keep_alive) break;
    }

    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace mamute::transport
