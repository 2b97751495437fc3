#pragma once
// The Streamable HTTP front: the transport's rules (Origin, Host, Accept, sessions, protocol
// version headers, batches) and its protections (inbound token, session limits, rate limit)
// around the MCP dispatcher. IncomingHttp in, HttpReply out; no sockets, so tests drive it with a
// bare io_context.
//
// Replicas: any number of Servers sharing config.http.session_secret serve one client's session,
// whichever gets each request, with no sticky routing and no shared store. The session id carries
// all that is needed to serve it (signature, issue time, protocol revision). What each replica
// keeps for itself, and why losing it on a hop is acceptable:
//   - the log level from logging/setLevel: another replica sends no log messages until the client
//     sets it there too; log messages are optional extras.
//   - calls in flight: notifications/cancelled reaching another replica is ignored, which the
//     spec allows (cancellation is advisory); the call completes and its result is discarded by
//     the client.
//   - GET streams: they only carry keep-alives; one ends when its client goes or its own replica
//     sees the DELETE.
//   - ended sessions: DELETE on one replica ends the id there only; others accept it until its
//     lifetime runs out. A client that sent DELETE does not reuse the id.
//   - last-use times (SessionActivity): each replica bounds and expires what it serves; an id it
//     has never seen is admitted. A session used only through other replicas for longer than
//     the idle timeout is ended when it comes back: set the timeout with the replica count in mind.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "mcp/event_sink.hpp"
#include "mcp/http_exchange.hpp"
#include "mcp/inbound_auth.hpp"
#include "mcp/rate_limiter.hpp"
#include "mcp/session_activity.hpp"
#include "mcp/session_ids.hpp"

namespace mamute::mcp {

// Where refusals are counted (metrics); either may be empty. Called on the request's thread.
struct ProtectionEvents {
    std::function<void()> auth_failure;
    std::function<void()> rate_limited;
};

struct ServerOptions {
    ProtectionEvents events;
    // The clock for idle sessions and rate limits; tests replace it.
    std::function<std::chrono::steady_clock::time_point()> now = [] { return std::chrono::steady_clock::now(); };
};

class Server {
public:
    Server(std::shared_ptr<const Dispatcher> dispatcher, std::shared_ptr<SessionIds> sessions,
           const config::HttpConfig& config, ServerOptions options = {});
    // Reload: requests from now on use `next`; those in flight finish with the one they started with.
    // `next` must share this server's SessionState (log levels, calls in flight, streams).
    void replace_dispatcher(std::shared_ptr<const Dispatcher> next) const { dispatcher_.store(std::move(next)); }
    // Shutdown: cancels every call still running and ends every event stream.
    std::size_t cancel_everything() const { return dispatcher()->state().cancel_all(); }

    // Pinned: the session table calls back into this object.
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // `sink` streams messages before the reply (the transport upgrades to SSE on first use); it is
    // only used when the client accepts text/event-stream.
    boost::asio::awaitable<HttpReply> handle(IncomingHttp request, EventSink* sink = nullptr) const;

    // Registers a GET stream so DELETE of its session (or shutdown) ends it.
    std::shared_ptr<SessionState::InFlight> register_stream(const std::string& session,
                                                            boost::asio::any_io_executor executor) const;

    // CORS headers for a reply to this request (also needed when the transport starts an SSE stream).
    std::vector<std::pair<std::string, std::string>> cors_headers(const IncomingHttp& request) const;

    // Sessions this replica tracks now (a gauge for metrics).
    std::size_t active_sessions() const { return activity_->size(); }

private:
    HttpReply handle_options(const IncomingHttp& request) const;
    HttpReply handle_get(const IncomingHttp& request) const;
    HttpReply handle_delete(const IncomingHttp& request) const;
    boost::asio::awaitable<HttpReply> handle_post(const IncomingHttp& request, EventSink* sink) const;
    boost::asio::awaitable<HttpReply> handle_stateless(const IncomingHttp& request, const boost::json::value& message,
                                                       EventSink* sink) const;
    boost::asio::awaitable<HttpReply> handle_batch(const boost::json::array& batch, const CallScope& scope,
                                                   const IncomingHttp& request) const;
    // 400 for an MCP-Protocol-Version the session path does not speak.
    static std::optional<HttpReply> check_protocol_version(const IncomingHttp& request, const boost::json::value& id);
    std::optional<HttpReply> check_session(const IncomingHttp& request, const boost::json::value& id,
                                           SessionInfo& info) const;
    std::optional<HttpReply> check_auth(const IncomingHttp& request) const;
    // A 429 when `calls` more tools/call would exceed the client's rate.
    std::optional<HttpReply> check_rate(const IncomingHttp& request, unsigned calls, const boost::json::value& id) const;
    // Ends a session this replica found unused past the idle timeout.
    void end_idle_session(const std::string& id) const;
    CallScope scope_for(const IncomingHttp& request, std::string session, std::string protocol_version,
                        EventSink* sink) const;

    // Swapped whole on reload (SIGHUP); each request keeps the one it started with.
    mutable std::atomic<std::shared_ptr<const Dispatcher>> dispatcher_;
    std::shared_ptr<const Dispatcher> dispatcher() const { return dispatcher_.load(); }
    std::shared_ptr<SessionIds> sessions_;
    std::vector<std::string> allowed_origins_;
    std::vector<std::string> allowed_hosts_;
    InboundAuth auth_;
    bool trust_forwarded_for_;
    std::chrono::seconds idle_timeout_;
    ServerOptions options_;
    // Behind pointers: shared, internally synchronised state that the const request path updates.
    std::unique_ptr<RateLimiter> limiter_;
    // Per address, at address_share times the per-client rate: a client inventing a new API key for
    // every call would otherwise get a fresh bucket each time.
    std::unique_ptr<RateLimiter> address_limiter_;
    static constexpr unsigned address_share = 10;
    std::unique_ptr<SessionActivity> activity_;
};

}  // namespace mamute::mcp
