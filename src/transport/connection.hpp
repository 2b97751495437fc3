#pragma once
// One HTTP/1.1 connection: read a request (deadline + size limits), let the MCP server answer,
// write the reply, repeat while kept alive.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "config/config.hpp"
#include "mcp/server.hpp"

namespace mamute::transport {

struct ConnectionSettings {
    config::HttpConfig http;
    std::chrono::milliseconds keepalive_interval;
    std::vector<std::string> credential_headers;  // forwarded to the API by execute-request
};

boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket,
                                              std::shared_ptr<const ConnectionSettings> settings,
                                              std::shared_ptr<const mcp::Server> mcp);

}  // namespace mamute::transport
