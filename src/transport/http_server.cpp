#include "transport/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "common/log.hpp"

namespace mamute::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// Out of descriptors (or memory), retrying at once only spins: wait, then try again.
constexpr auto accept_backoff = std::chrono::milliseconds(100);
}  // namespace

HttpServer::HttpServer(asio::io_context& io, const config::Config& config, std::shared_ptr<const mcp::Server> mcp)
    : io_(io),
      settings_(std::make_shared<const ConnectionSettings>(ConnectionSettings{config.http, config.mcp.keepalive_interval, config.upstream.credential_headers})),
      mcp_(std::move(mcp)),
      strand_(asio::make_strand(io)),
      acceptor_(strand_),
      backoff_(strand_) {
    const tcp::endpoint endpoint(asio::ip::make_address(config.http.bind), config.http.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void HttpServer::start() {
    asio::post(strand_, [this] { accept_next(); });
}

void HttpServer::accept_next() {
    if (!acceptor_.is_open()) return;
    if (open_connections_->load() >= settings_->http.max_connections) {
        // Waiting connections queue in the kernel's backlog instead of costing us descriptors.
        if (!paused_) log::get("http")->warn("{} connections open: not accepting until one closes", open_connections_->load());
        paused_ = true;
        return;
    }
    // Each connection gets its own strand: its handlers never run concurrently, so no locks.
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {
            // Logged once per run of failures, not once per retry: a full descriptor table must not fill the disk.
            if (accept_failures_++ == 0) log::get("http")->warn("accept failed: {}; retrying every {} ms", ec.message(), accept_backoff.count());
            backoff_.expires_after(accept_backoff);
            backoff_.async_wait([this](boost::system::error_code wait_error) {
                if (!wait_error) accept_next();
            });
            return;
        }
        if (accept_failures_ > 0) log::get("http")->info("accepting again after {} failed attempts", accept_failures_);
        accept_failures_ = 0;
        // Replies go out in one write and requests come in whole: Nagle would only add delay.
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        open_connections_->fetch_add(1);
        auto executor = socket.get_executor();
        asio::co_spawn(executor, serve_connection(std::move(socket), settings_, mcp_),
                       [this, counter = open_connections_](std::exception_ptr failure) {
                           if (failure) {
                               try {
                                   std::rethrow_exception(failure);
                               } catch (const std::exception& e) {
                                   log::get("http")->error("connection ended by an exception: {}", e.what());
                               } catch (...) {
                                   log::get("http")->error("connection ended by an unknown exception");
                               }
                           }
                           counter->fetch_sub(1);
                           connection_closed();
                       });
        accept_next();
    });
}

void HttpServer::connection_closed() {
    asio::post(strand_, [this] {
        if (!paused_) return;
        paused_ = false;
        accept_next();
    });
}

void HttpServer::stop() {
    asio::post(strand_, [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        backoff_.cancel();
    });
}

}  // namespace mamute::transport
