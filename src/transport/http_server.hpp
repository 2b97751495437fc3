#pragma once
// Accepts connections and runs each one as a coroutine on its own strand. With http.admin_port set,
// a second listener serves only /healthz, /readyz and /metrics.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "config/config.hpp"
#include "mcp/server.hpp"
#include "observability/metrics.hpp"
#include "transport/connection.hpp"

namespace mamute::transport {

class HttpServer {
public:
    // Binds and listens immediately (throws at start-up when an address is unusable). Without
    // `metrics` the server keeps its own.
    HttpServer(boost::asio::io_context& io, const config::Config& config, std::shared_ptr<const mcp::Server> mcp,
               std::shared_ptr<observability::Metrics> metrics = nullptr);

    boost::asio::ip::tcp::endpoint local_endpoint() const { return main_.acceptor.local_endpoint(); }
    // The admin listener's address, when http.admin_port is set.
    std::optional<boost::asio::ip::tcp::endpoint> admin_endpoint() const;
    // Starts accepting and marks the server ready.
    void start();
    // Not ready any more (/readyz answers 503), then stops accepting on the main listener; connections
    // already open finish their current request. The admin listener keeps answering probes.
    void stop();
    // Readiness alone, e.g. to drain traffic away before stop().
    void set_ready(bool ready) { accepting_->store(ready); }
    bool ready() const { return accepting_->load(); }

    std::size_t open_connections() const { return open_connections_->load(); }
    // Graceful shutdown: after stop(), drain().begin() closes idle connections and makes the others close
    // after their current request; drain().busy() counts the requests still being answered.
    Drain& drain() const { return *drain_; }
    const std::shared_ptr<observability::Metrics>& metrics() const { return metrics_; }

private:
    struct Listener {
        Listener(boost::asio::strand<boost::asio::io_context::executor_type>& strand,
                 std::shared_ptr<const ConnectionSettings> settings)
            : settings(std::move(settings)), acceptor(strand), backoff(strand) {}
        std::shared_ptr<const ConnectionSettings> settings;
        boost::asio::ip::tcp::acceptor acceptor;
        boost::asio::steady_timer backoff;
        bool paused = false;  // at max_connections; resumed by the next connection to close
        std::size_t accept_failures = 0;
    };

    static void listen(Listener& listener, const std::string& bind, std::uint16_t port);
    void accept_next(Listener& listener);
    void start_connection(Listener& listener, boost::asio::ip::tcp::socket socket);
    void connection_closed();

    boost::asio::io_context& io_;
    std::shared_ptr<observability::Metrics> metrics_;
    std::shared_ptr<std::atomic<bool>> accepting_ = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<Drain> drain_ = std::make_shared<Drain>();
    std::shared_ptr<const mcp::Server> mcp_;
    // Both accept loops, their pauses and back-offs run on this strand.
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    Listener main_;
    std::unique_ptr<Listener> admin_;
    // The "not accepting" warning, for both listeners (on strand_): at most one per interval.
    std::size_t pauses_unreported_ = 0;
    std::chrono::steady_clock::time_point last_pause_warning_{};
    // Shared by both listeners: max_connections bounds descriptors, whichever port they came in on.
    std::shared_ptr<std::atomic<std::size_t>> open_connections_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace mamute::transport
