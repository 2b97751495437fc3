#pragma once
// Asynchronous HTTP(S) client for live calls: verified TLS, deadlines and size limits on every read.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "common/expected.hpp"
#include "config/config.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

class Client {
public:
    // Throws at start-up when the CA file cannot be read.
    explicit Client(const config::UpstreamConfig& config);

    // Runs on the caller's executor (the connection's strand); never blocks it.
    boost::asio::awaitable<Expected<Response, Failure>> send(Request request) const;

private:
    config::UpstreamConfig config_;
    mutable boost::asio::ssl::context tls_;  // SSL_CTX is shared read-only by every connection
};

}  // namespace mamute::upstream
