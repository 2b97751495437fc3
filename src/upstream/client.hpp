#pragma once
// Asynchronous HTTP(S) client for live calls: verified TLS with session resumption, a bounded keep-alive
// pool per origin, same-origin redirects, deadlines and size limits on every step.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>

#include "common/expected.hpp"
#include "config/config.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

class ConnectionPool;
class TlsSessionCache;

class Client {
public:
    // Counters since start, for tests and metrics.
    struct Stats {
        std::atomic<std::uint64_t> connections_opened{0};  // TCP connections established
        std::atomic<std::uint64_t> connections_reused{0};  // calls served by an idle pooled connection
        std::atomic<std::uint64_t> stale_discarded{0};     // pooled connections found closed by the peer
        std::atomic<std::uint64_t> tls_resumed{0};         // TLS handshakes that resumed a session
        std::atomic<std::uint64_t> retries{0};             // requests sent again after a failed first try
    };

    // Throws at start-up when the CA file cannot be read.
    explicit Client(const config::UpstreamConfig& config);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Runs on the caller's executor (the connection's strand); never blocks it. Safe to call
    // concurrently from many strands and threads.
    boost::asio::awaitable<Expected<Response, Failure>> send(Request request) const;

    const Stats& stats() const { return stats_; }
    std::size_t idle_connections() const;

private:
    config::UpstreamConfig config_;
    mutable boost::asio::ssl::context tls_;  // shared by every connection; only the session cache changes
    std::unique_ptr<TlsSessionCache> sessions_;
    std::unique_ptr<ConnectionPool> pool_;  // destroyed first: its connections came from tls_
    mutable Stats stats_;
};

}  // namespace mamute::upstream
