#pragma once
// Accepts connections and runs each one as a coroutine on its own strand.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
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

    std::size_t open_connections() const { return open_connections_->load(); }

private:
    void accept_next();
    void connection_closed();

    boost::asio::io_context& io_;
    std::shared_ptr<const ConnectionSettings> settings_;
    std::shared_ptr<const mcp::Server> mcp_;
    // The accept loop, its pause and its back-off all run on this strand.
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer backoff_;
    std::shared_ptr<std::atomic<std::size_t>> open_connections_ = std::make_shared<std::atomic<std::size_t>>(0);
    bool paused_ = false;  // at max_connections; resumed by the next connection to close
    std::size_t accept_failures_ = 0;
};

}  // namespace mamute::transport
