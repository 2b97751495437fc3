#pragma once
// The Streamable HTTP front: the transport's rules (Origin, Host, Accept, sessions, protocol
// version headers, batches) around the MCP dispatcher. IncomingHttp in, HttpReply out; no sockets,
// so tests drive it with a bare io_context.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "mcp/event_sink.hpp"
#include "mcp/http_exchange.hpp"
#include "mcp/session_ids.hpp"

namespace mamute::mcp {

class Server {
public:
    Server(std::shared_ptr<const Dispatcher> dispatcher, std::shared_ptr<SessionIds> sessions,
           const config::HttpConfig& config);

    // `sink` streams messages before the reply (the transport upgrades to SSE on first use); it is
    // only used when the client accepts text/event-stream.
    boost::asio::awaitable<HttpReply> handle(IncomingHttp request, EventSink* sink = nullptr) const;

    // Registers a GET stream so DELETE of its session (or shutdown) ends it.
    std::shared_ptr<SessionState::InFlight> register_stream(const std::string& session,
                                                            boost::asio::any_io_executor executor) const;

    // CORS headers for a reply to this request (also needed when the transport starts an SSE stream).
    std::vector<std::pair<std::string, std::string>> cors_headers(const IncomingHttp& request) const;

private:
    HttpReply handle_options(const IncomingHttp& request) const;
    HttpReply handle_get(const IncomingHttp& request) const;
    HttpReply handle_delete(const IncomingHttp& request) const;
    boost::asio::awaitable<HttpReply> handle_post(const IncomingHttp& request, EventSink* sink) const;
    boost::asio::awaitable<HttpReply> handle_stateless(const IncomingHttp& request, const boost::json::value& message,
                                                       EventSink* sink) const;
    boost::asio::awaitable<HttpReply> handle_batch(const boost::json::array& batch, const CallScope& scope) const;
    std::optional<HttpReply> check_session(const IncomingHttp& request, const boost::json::value& id,
                                           SessionInfo& info) const;

    std::shared_ptr<const Dispatcher> dispatcher_;
    std::shared_ptr<SessionIds> sessions_;
    std::vector<std::string> allowed_origins_;
    std::vector<std::string> allowed_hosts_;
};

}  // namespace mamute::mcp
