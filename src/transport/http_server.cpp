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
// Connections taken from the backlog per accept wake-up, besides the one the wake-up brought.
constexpr std::size_t accept_batch = 64;
// The least time between two "not accepting" warnings.
constexpr auto pause_warning_interval = std::chrono::seconds(10);

std::shared_ptr<const ConnectionSettings> make_settings(const config::Config& config,
                                                        std::shared_ptr<observability::Metrics> metrics,
                                                        std::shared_ptr<const std::atomic<bool>> accepting,
                                                        bool admin_only, std::shared_ptr<Drain> drain) {
    return std::make_shared<const ConnectionSettings>(ConnectionSettings{
        config.http, config.mcp.keepalive_interval, config.upstream.credential_headers, std::move(metrics),
        std::move(accepting), config.log.access, admin_only, std::move(drain),
        std::make_shared<const mcp::InboundAuth>(config.http.auth_token)});
}
}  // namespace

HttpServer::HttpServer(asio::io_context& io, const config::Config& config, std::shared_ptr<const mcp::Server> mcp,
                       std::shared_ptr<observability::Metrics> metrics)
    : io_(io),
      metrics_(metrics ? std::move(metrics) : std::make_shared<observability::Metrics>()),
      mcp_(std::move(mcp)),
      strand_(asio::make_strand(io)),
      main_(strand_, make_settings(config, metrics_, accepting_, false, drain_)) {
    listen(main_, config.http.bind, config.http.port);
    if (config.http.admin_port) {
        admin_ = std::make_unique<Listener>(strand_, make_settings(config, metrics_, accepting_, true, drain_));
        listen(*admin_, config.http.admin_bind, *config.http.admin_port);
    }
}

void HttpServer::listen(Listener& listener, const std::string& bind, std::uint16_t port) {
    const tcp::endpoint endpoint(asio::ip::make_address(bind), port);
    listener.acceptor.open(endpoint.protocol());
    listener.acceptor.set_option(asio::socket_base::reuse_address(true));
    listener.acceptor.bind(endpoint);
    listener.acceptor.listen(asio::socket_base::max_listen_connections);
    listener.acceptor.non_blocking(true);  // for the backlog sweep in accept_next; async accepts are unaffected
}

std::optional<tcp::endpoint> HttpServer::admin_endpoint() const {
    if (!admin_) return std::nullopt;
    return admin_->acceptor.local_endpoint();
}

void HttpServer::start() {
    accepting_->store(true);
    asio::post(strand_, [this] {
        accept_next(main_);
        if (admin_) accept_next(*admin_);
    });
}

void HttpServer::start_connection(Listener& listener, tcp::socket socket) {
    // Replies go out in one write and requests come in whole: Nagle would only add delay.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    open_connections_->fetch_add(1);
    metrics_->connection_opened();
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve_connection(std::move(socket), listener.settings, mcp_),
                   [this, counter = open_connections_, metrics = metrics_](std::exception_ptr failure) {
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
                       metrics->connection_closed();
                       connection_closed();
                   });
}

void HttpServer::accept_next(Listener& listener) {
    if (!listener.acceptor.is_open()) return;
    if (open_connections_->load() >= listener.settings->http.max_connections) {
        // Waiting connections queue in the kernel's backlog instead of costing us descriptors.
        if (!listener.paused) {
            // Once per interval: with short connections at the limit this pauses thousands of times a second.
            ++pauses_unreported_;
            const auto now = std::chrono::steady_clock::now();
            if (now - last_pause_warning_ >= pause_warning_interval) {
                log::get("http")->warn("{} connections open (http.max_connections {}, both ports): not accepting "
                                       "until one closes; paused {} times since the last warning",
                                       open_connections_->load(), listener.settings->http.max_connections,
                                       pauses_unreported_);
                last_pause_warning_ = now;
                pauses_unreported_ = 0;
            }
        }
        listener.paused = true;
        return;
    }
    // Each connection gets its own strand: its handlers never run concurrently, so no locks.
    listener.acceptor.async_accept(asio::make_strand(io_), [this, &listener](boost::system::error_code ec,
                                                                             tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
        if (ec) {
            // Logged once per run of failures, not once per retry: a full descriptor table must not fill the disk.
            if (listener.accept_failures++ == 0)
                log::get("http")->warn("accept failed: {}; retrying every {} ms", ec.message(), accept_backoff.count());
            listener.backoff.expires_after(accept_backoff);
            listener.backoff.async_wait([this, &listener](boost::system::error_code wait_error) {
                if (!wait_error) accept_next(listener);
            });
            return;
        }
        if (listener.accept_failures > 0)
            log::get("http")->info("accepting again after {} failed attempts", listener.accept_failures);
        listener.accept_failures = 0;
        start_connection(listener, std::move(socket));
        // Take what else waits in the backlog now: each async accept queues behind every request handler
        // already queued, so under load one at a time let the last of 1,000 new connections wait seconds.
        // Non-blocking: would_block once the backlog is empty; other errors go to the next async accept.
        for (std::size_t taken = 0; taken < accept_batch; ++taken) {
            if (open_connections_->load() >= listener.settings->http.max_connections) break;
            tcp::socket more(asio::make_strand(io_));
            boost::system::error_code more_error;
            listener.acceptor.accept(more, more_error);
            if (more_error) break;
            start_connection(listener, std::move(more));
        }
        accept_next(listener);
    });
}

void HttpServer::connection_closed() {
    asio::post(strand_, [this] {
        for (auto* listener : {&main_, admin_.get()}) {
            if (!listener || !listener->paused) continue;
            listener->paused = false;
            accept_next(*listener);
        }
    });
}

void HttpServer::stop() {
    accepting_->store(false);
    asio::post(strand_, [this] {
        boost::system::error_code ignored;
        // The admin listener stays open while requests drain, so probes read 503 from /readyz and
        // metrics can still be scraped; it closes with the process.
        main_.acceptor.close(ignored);
        main_.backoff.cancel();
    });
}

}  // namespace mamute::transport
