#include "transport/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>

#include "common/log.hpp"
#include "transport/connection.hpp"

namespace mamute::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpServer::HttpServer(asio::io_context& io, const config::Config& config, std::shared_ptr<const mcp::Server> mcp)
    : io_(io),
      settings_(std::make_shared<const ConnectionSettings>(ConnectionSettings{config.http, config.mcp.keepalive_interval})),
      mcp_(std::move(mcp)),
      acceptor_(io) {
    const tcp::endpoint endpoint(asio::ip::make_address(config.http.bind), config.http.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void HttpServer::start() {
    accept_next();
}

void HttpServer::accept_next() {
    // Each connection gets its own strand: its handlers never run concurrently, so no locks.
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!ec) {
            auto executor = socket.get_executor();
            asio::co_spawn(executor, serve_connection(std::move(socket), settings_, mcp_), asio::detached);
        } else {
            log::get("http")->warn("accept failed: {}", ec.message());
        }
        accept_next();
    });
}

void HttpServer::stop() {
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    });
}

}  // namespace mamute::transport
