#pragma once
// Accepts connections and runs each one as a coroutine on its own strand.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "config/config.hpp"
#include "mcp/server.hpp"
#include "transport/connection.hpp"

namespace mamute::transport {

class HttpServer {
public:
    // Binds and listens immediately (throws at start-up when the address is unusable).
    HttpServer(boost::asio::io_context& io, const config::Config& config, std::shared_ptr<const mcp::Server> mcp);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
    void start();
    // Stops accepting; connections already open finish their current request.
    void stop();

private:
    void accept_next();

    boost::asio::io_context& io_;
    std::shared_ptr<const ConnectionSettings> settings_;
    std::shared_ptr<const mcp::Server> mcp_;
    boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mamute::transport
