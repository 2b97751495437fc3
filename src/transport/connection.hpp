#pragma once
// One HTTP/1.1 connection: read a request (deadline + size limits), let the MCP server answer,
// write the reply, repeat while kept alive.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "config/config.hpp"
#include "mcp/inbound_auth.hpp"
#include "mcp/server.hpp"
#include "observability/metrics.hpp"
#include "transport/drain.hpp"

namespace mamute::transport {

struct ConnectionSettings {
    config::HttpConfig http;
    std::chrono::milliseconds keepalive_interval;
    std::vector<std::string> credential_headers;  // forwarded to the API by execute-request
    std::shared_ptr<observability::Metrics> metrics;  // never null
    // Cleared when the server starts shutting down: /readyz then answers 503.
    std::shared_ptr<const std::atomic<bool>> accepting;
    bool access_log = true;   // one "access" line per request
    bool admin_only = false;  // the admin listener: /healthz, /readyz, /metrics and 404 for the rest
    std::shared_ptr<Drain> drain;  // never null: graceful shutdown
    std::shared_ptr<const mcp::InboundAuth> auth;  // http.auth_token, for /metrics on the main port
};

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<const ConnectionSettings> settings,
                                              std::shared_ptr<const mcp::Server> mcp);

}  // namespace mamute::transport
