#include "transport/connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <atomic>
#include <chrono>
#include <openssl/rand.h>

#include "common/encoding.hpp"
#include "common/log.hpp"
#include "observability/endpoints.hpp"
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
    // Drawn 32 ids at a time: one RAND_bytes call per request was a few percent of a small request's CPU.
    // Still the CSPRNG's bytes: a generated id tells nothing about the ids other clients get.
    constexpr std::size_t id_bytes = 8, batch = 32;
    thread_local std::array<unsigned char, id_bytes * batch> pool;
    thread_local std::size_t used = pool.size();
    if (used == pool.size()) {
        if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
            // No randomness now: a one-off id from the counter, and the next request tries again.
            static std::atomic<std::uint64_t> fallback{0};
            return "fallback-" + std::to_string(fallback.fetch_add(1));
        }
        used = 0;
    }
    const auto* id = pool.data() + used;
    used += id_bytes;
    return hex_encode(std::string_view(reinterpret_cast<const char*>(id), id_bytes));
}

// The client's X-Request-Id when it is safe to log and echo, else a fresh one.
std::string request_id_of(const http::request<http::string_body>& request) {
    const auto given_id = header(request, "X-Request-Id");
    return given_id && safe_request_id(*given_id) ? *given_id : new_request_id();
}

mcp::IncomingHttp to_incoming(http::request<http::string_body>& request, const std::vector<std::string>& credential_headers,
                              const std::string& remote_address, std::string request_id) {
    mcp::IncomingHttp in;
    in.remote_address = remote_address;
    in.forwarded_for = header(request, "X-Forwarded-For");
    in.authorization = header(request, "Authorization");
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
        if (auto value = header(request, name); value && !value->empty())  // an empty key is no key
            in.credentials.emplace_back(name, std::move(*value));
    in.access_control_request_method = header(request, "Access-Control-Request-Method");
    in.access_control_request_headers = header(request, "Access-Control-Request-Headers");
    in.request_id = std::move(request_id);
    in.body = std::move(request.body());
    return in;
}

// Takes the reply's body: a tools/list reply is ~17 KB, not worth a copy per request.
http::response<http::string_body> to_response(mcp::HttpReply& reply, unsigned version, bool keep_alive) {
    http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
    response.set(http::field::server, "mamute-mcp/" MAMUTE_VERSION);
    for (const auto& [name, value] : reply.headers) response.insert(name, value);
    if (!reply.body.empty()) {
        response.set(http::field::content_type, reply.content_type);
        response.body() = std::move(reply.body);
    }
    response.keep_alive(keep_alive);
    response.prepare_payload();
    return response;
}

// A reply for a request that could not be read whole (too large, malformed).
http::response<http::string_body> early_error(http::status status, std::string_view message,
                                              const std::string& request_id = {}) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::server, "mamute-mcp/" MAMUTE_VERSION);
    response.set(http::field::content_type, "application/json");
    if (!request_id.empty()) response.set("X-Request-Id", request_id);
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
    for (;;) {
        // An error here (including cancellation once the reply is ready) ends the watch; the reply
        // then wins the race if it is ready, and a broken connection counts as closed.
        if (auto [wait_error] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read, use_nothrow); wait_error)
            co_return;
        // Never a blocking receive here: asio may report a socket readable that has nothing to read
        // (readiness it remembers from the request just read), and a blocking peek would then hold
        // this I/O thread until the client sent more or left.
        char byte;
        const auto peeked = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (peeked == 0) co_return;  // orderly close
        if (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return;  // reset
        if (peeked > 0) break;  // pipelined data, not a close
    }
    // Pipelined data: wait until the reply is ready and cancels us.
    asio::steady_timer forever(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    co_await forever.async_wait(use_nothrow);
}

// The MCP reply, or a 500 when something unexpected was thrown: a bug must cost one request, not the connection.
asio::awaitable<mcp::HttpReply> compute_reply(const mcp::Server& mcp, mcp::IncomingHttp incoming, mcp::EventSink* sink) {
    const std::string request_id = incoming.request_id;
    try {
        co_return co_await mcp.handle(std::move(incoming), sink);
    } catch (const boost::system::system_error& e) {
        if (e.code() == asio::error::operation_aborted) throw;  // cancelled: the peer is gone
        log::get("http")->error("[{}] internal error: {}", request_id, e.what());
    } catch (const std::exception& e) {
        log::get("http")->error("[{}] internal error: {}", request_id, e.what());
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

// What the access log and the request counter say about one request: method and path only (the
// query string and header values could hold keys). Recorded just before the reply is written, so a
// client that has its answer can rely on it being counted; the time is the time to answer.
struct RequestRecord {
    std::string client;  // the peer, or the proxy's last X-Forwarded-For entry when that is trusted
    std::string method = "other";
    std::string path = "-";
    std::string request_id;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// `access` is null when the access log is off.
void record(observability::Metrics& metrics, spdlog::logger* access, const RequestRecord& request, unsigned status,
            std::size_t body_bytes, const std::string& remote_address) {
    metrics.http_request(request.method, status);
    if (!access) return;
    const auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request.started);
    access->info("[{}] {} {} {} {} bytes {:.1f} ms from {}", request.request_id, request.method,
                             request.path, status, body_bytes, elapsed.count(),
                             remote_address.empty() ? "-" : remote_address);
}

}  // namespace

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, std::shared_ptr<const ConnectionSettings> settings,
                                       std::shared_ptr<const mcp::Server> mcp) {
    const auto& config = settings->http;
    auto& metrics = *settings->metrics;
    auto logger = log::get("http");
    // Looked up once per connection: the logger registry takes a lock.
    const auto access_logger = settings->access_log ? log::get("access") : nullptr;
    boost::system::error_code endpoint_ec;
    const auto peer = socket.remote_endpoint(endpoint_ec);
    const std::string remote_address = endpoint_ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    auto& drain = *settings->drain;
    // Lets a shutdown wake this connection while it idles; it dies with the connection, so a wake-up
    // that arrives later finds nothing to cancel.
    auto stream_token = std::make_shared<beast::tcp_stream*>(&stream);
    // Answering a request: a graceful shutdown waits for it (event streams excepted).
    struct Busy {
        Drain& drain;
        bool active = false;
        void start() { if (!active) { drain.request_started(); active = true; } }
        void finish() { if (active) { drain.request_finished(); active = false; } }
        ~Busy() { finish(); }
    } busy{drain};

    for (bool first = true;; first = false) {
        if (!first && buffer.size() == 0) {
            // Kept alive between requests: idle_timeout bounds the wait for the next one's first
            // byte, then read_timeout bounds reading it whole.
            if (drain.draining()) break;  // shutting down: no next request
            stream.expires_after(config.idle_timeout);
            auto wake = drain.idle([executor = stream.get_executor(), token = std::weak_ptr(stream_token)] {
                asio::post(executor, [token] {
                    if (auto idle_stream = token.lock()) (*idle_stream)->cancel();
                });
            });
            auto [idle_error, idle_bytes] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
            if (idle_error) break;  // closed by the client, or idle too long: nothing to answer
            buffer.commit(idle_bytes);
        }
        RequestRecord record_of;
        auto answered = [&](unsigned status, std::size_t body_bytes) {
            record(metrics, access_logger.get(), record_of, status, body_bytes,
                   record_of.client.empty() ? remote_address : record_of.client);
        };
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
            // A body over the limit is refused once its header is complete, before is_header_done().
            if (parser.is_header_done() || read_error == http::error::body_limit) {
                record_of.method = std::string(parser.get().method_string());
                record_of.path = std::string(parser.get().target().substr(0, parser.get().target().find('?')));
                record_of.request_id = request_id_of(parser.get());
            } else {
                record_of.request_id = new_request_id();
            }
            std::optional<http::status> status;
            std::string_view message;
            if (read_error == http::error::body_limit) {
                status = http::status::payload_too_large;
                message = "Request body too large";
            } else if (read_error == http::error::header_limit) {
                status = http::status::request_header_fields_too_large;
                message = "Request headers too large";
            } else if (read_error == beast::error::timeout) {
                // The stream closed the socket when the deadline passed: no reply can go out.
                logger->info("[{}] request not read within {} ms; connection closed", record_of.request_id,
                             config.read_timeout.count());
            } else if (read_error != http::error::end_of_stream && read_error != asio::error::connection_reset &&
                       read_error != asio::error::operation_aborted && read_error != asio::error::eof) {
                status = http::status::bad_request;
                message = "Malformed HTTP request";
            }
            if (status) {
                auto response = early_error(*status, message, record_of.request_id);
                answered(static_cast<unsigned>(*status), response.body().size());
                stream.expires_after(config.read_timeout);
                co_await http::async_write(stream, response, use_nothrow);
            }
            break;
        }

        auto request = parser.release();
        busy.start();
        record_of.method = std::string(request.method_string());
        record_of.path = std::string(request.target().substr(0, request.target().find('?')));
        record_of.request_id = request_id_of(request);
        // One Host (HTTP/1.1 requires it) and at most one Origin: with two, which one was checked?
        if ((request.version() >= 11 && request.count(http::field::host) != 1) || request.count(http::field::host) > 1 ||
            request.count(http::field::origin) > 1) {
            auto response = early_error(http::status::bad_request,
                                        "Bad Request: exactly one Host and at most one Origin header",
                                        record_of.request_id);
            answered(400, response.body().size());
            stream.expires_after(config.read_timeout);
            co_await http::async_write(stream, response, use_nothrow);
            break;
        }
        // While shutting down, each reply says Connection: close and the connection ends after it.
        const bool keep_alive = request.keep_alive() && !drain.draining();
        const unsigned version = request.version();
        const std::string& request_id = record_of.request_id;
        const std::string& method = record_of.method;
        const std::string& target = record_of.path;
        if (config.trust_forwarded_for)
            if (auto forwarded = header(request, "X-Forwarded-For"); forwarded && !forwarded->empty()) {
                // The last entry is the one our proxy appended; earlier ones are whatever the client sent.
                auto last = std::string_view(*forwarded);
                last = last.substr(last.rfind(',') == std::string_view::npos ? 0 : last.rfind(',') + 1);
                record_of.client = std::string(trim_whitespace(last));
            }

        // Probes and scrapers come before the MCP rules: they carry no Origin, session or token.
        auto local = observability::observability_reply(
            method, request.target(), {metrics, !settings->accepting || settings->accepting->load()});
        // Probes stay open (load balancers send no token); metrics on the main port need the server's token.
        if (local && !settings->admin_only && settings->auth && settings->auth->enabled() &&
            record_of.path == "/metrics" && !settings->auth->accepts(header(request, "Authorization"))) {
            local = mcp::HttpReply{};
            local->status = 401;
            local->set_header("WWW-Authenticate", R"(Bearer realm="mamute-mcp")");
            local->content_type = "text/plain; charset=utf-8";
            local->body = "Unauthorized: /metrics needs the server's token (or use http.admin_port)\n";
        }
        if (!local && settings->admin_only) local = observability::admin_not_found();
        if (local) {
            local->set_header("X-Request-Id", request_id);
            answered(local->status, local->body.size());
            auto response = to_response(*local, version, keep_alive && !drain.draining());
            stream.expires_after(config.read_timeout);
            auto [write_error, bytes_written] = co_await http::async_write(stream, response, use_nothrow);
            (void)bytes_written;
            busy.finish();
            if (write_error || !keep_alive || drain.draining()) break;
            continue;
        }

        auto incoming = to_incoming(request, settings->credential_headers, remote_address, request_id);
        auto stream_headers = mcp->cors_headers(incoming);
        stream_headers.emplace_back("X-Request-Id", request_id);
        SseResponse sse(stream, version, keep_alive, std::move(stream_headers), config.read_timeout, &metrics);

        // No deadline while the reply is computed: a tool call bounds its own upstream time.
        stream.expires_never();
        using namespace asio::experimental::awaitable_operators;
        // HTTP/1.0 has no chunked framing for an SSE reply: such clients get plain JSON.
        auto outcome = co_await (compute_reply(*mcp, std::move(incoming), version >= 11 ? &sse : nullptr) ||
                                 peer_closed(stream));
        if (outcome.index() == 1) {
            logger->info("[{}] {} {} client closed the connection; request cancelled", request_id, method, target);
            // 499, as nginx logs it: the client went away before the reply.
            answered(499, 0);
            break;
        }
        auto reply = std::move(std::get<0>(outcome));
        bool written = false;
        if (sse.started()) {
            // Progress or log messages went first: the reply is the stream's last event.
            answered(200, reply.body.size());
            written = co_await sse.finish(reply.body);
        } else if (reply.open_stream_for_session) {
            logger->info("[{}] {} {} event stream opened", request_id, method, target);
            if (version < 11) {
                // Event streams need chunked framing, which HTTP/1.0 lacks.
                auto response = early_error(http::status::http_version_not_supported,
                                            "HTTP/1.1 is required for an event stream", request_id);
                answered(505, response.body().size());
                co_await http::async_write(stream, response, use_nothrow);
                break;
            }
            busy.finish();  // a stream lasts until its session or the server ends it
            co_await run_event_stream(sse, stream, *reply.open_stream_for_session, *mcp, settings->keepalive_interval);
            logger->info("[{}] {} {} event stream closed", request_id, method, target);
            answered(200, 0);
            break;
        } else {
            reply.set_header("X-Request-Id", request_id);
            answered(reply.status, reply.body.size());
            auto response = to_response(reply, version, keep_alive && !drain.draining());
            stream.expires_after(config.read_timeout);
            auto [write_error, bytes_written] = co_await http::async_write(stream, response, use_nothrow);
            (void)bytes_written;
            written = !write_error;
        }
        busy.finish();
        if (!written || !keep_alive || drain.draining()) break;
    }

    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace mamute::transport
