#pragma once
// Idle keep-alive connections, per origin, waiting for the next call to the same origin.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "upstream/http_types.hpp"

namespace mamute::upstream {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// "scheme://host:port", the pool's and the TLS session cache's key (host compared case-insensitively).
std::string origin_key(const Origin& origin);

// One open connection, owned by exactly one call at a time: the pool hands it over, never shares it.
// A stream created on one caller's strand may later be driven from another's: Beast dispatches each
// operation's timeout handler on that operation's associated executor (basic_stream.hpp, transfer_op:
// `timeout_handler<decltype(this->get_executor())>`, async_base::get_executor = the handler's executor),
// so nothing runs on the first strand once it is done with the stream, and no two callers use it at once.
struct Connection {
    template <class Stream, class... Args>
    Connection(std::string key, std::in_place_type_t<Stream> type, Args&&... args)
        : origin_key(std::move(key)), stream(type, std::forward<Args>(args)...) {}
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const std::string origin_key;  // stays put: the TLS session callback points at it
    std::variant<PlainStream, TlsStream> stream;
    std::chrono::steady_clock::time_point idle_since{};
    const boost::asio::execution_context* context = nullptr;  // where its socket lives (set when pooled)
    bool reused = false;  // came out of the pool: it may have died while it waited
    // Its last exchange ended well and nothing has been sent since (true while pooled): closing it then
    // is no truncation, so OpenSSL must not mark its TLS session unresumable, as it does for an SSL
    // freed without a close_notify.
    bool between_exchanges = false;

    PlainStream& lowest();
    bool is_tls() const { return stream.index() == 1; }
};

// Non-blocking look at an idle socket: true when the peer closed it, reset it, or sent something
// unasked (an idle HTTP/1.1 connection has nothing to say; a close_notify counts as closing).
bool peer_closed(PlainStream& stream);

struct IdleConnections;

// Bounded: at most max_idle_per_origin idle connections per origin and max_origins origins, each idle
// for at most idle_timeout. A std::mutex guards the map, held only to push or pop, never across I/O:
// the one lock on the request path, since callers come from many strands on several threads.
// Idle sockets are closed when their io_context shuts down (a service registered with it), so the pool
// may outlive the io_context, as the client does in main.
class ConnectionPool {
public:
    using Clock = std::chrono::steady_clock;

    ConnectionPool(std::size_t max_idle_per_origin, std::chrono::milliseconds idle_timeout, std::size_t max_origins = 256);

    bool enabled() const { return max_idle_per_origin_ > 0; }
    // The most recently used idle connection of that origin still within idle_timeout, or null.
    std::unique_ptr<Connection> checkout(const std::string& key, Clock::time_point now = Clock::now());
    // Keeps the connection when there is room; otherwise it is closed. `now` is its idle_since.
    void checkin(std::unique_ptr<Connection> connection, Clock::time_point now = Clock::now());

    std::size_t idle_count() const;
    std::size_t idle_count(const std::string& key) const;

private:
    const std::size_t max_idle_per_origin_;
    const std::chrono::milliseconds idle_timeout_;
    const std::size_t max_origins_;
    std::shared_ptr<IdleConnections> idle_;  // shared with the io_context services that may close them
};

}  // namespace mamute::upstream
