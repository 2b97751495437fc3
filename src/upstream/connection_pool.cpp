#include "upstream/connection_pool.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>
#include <cctype>
#include <cerrno>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

namespace mamute::upstream {

namespace asio = boost::asio;
using Dropped = std::vector<std::unique_ptr<Connection>>;  // closed by the caller once unlocked

struct IdleConnections {
    using Idle = std::deque<std::unique_ptr<Connection>>;  // oldest first
    std::mutex mutex;
    std::map<std::string, Idle> by_origin;
    std::size_t total = 0;

    // Moves out every connection `leaving` picks, dropping origins left empty. Called locked, as is expire.
    template <class Predicate>
    void remove_if(Predicate leaving, Dropped& dropped) {
        for (auto it = by_origin.begin(); it != by_origin.end();) {
            auto& idle = it->second;
            for (auto c = idle.begin(); c != idle.end();) {
                if (leaving(**c)) {
                    dropped.push_back(std::move(*c));
                    c = idle.erase(c);
                    --total;
                } else {
                    ++c;
                }
            }
            it = idle.empty() ? by_origin.erase(it) : std::next(it);
        }
    }

    // Moves out the connections idle for `timeout` or longer: the oldest of each origin come first.
    void expire(std::chrono::steady_clock::time_point now, std::chrono::milliseconds timeout, Dropped& dropped) {
        for (auto it = by_origin.begin(); it != by_origin.end();) {
            auto& idle = it->second;
            while (!idle.empty() && now - idle.front()->idle_since >= timeout) {
                dropped.push_back(std::move(idle.front()));
                idle.pop_front();
                --total;
            }
            it = idle.empty() ? by_origin.erase(it) : std::next(it);
        }
    }
};

namespace {

// One per io_context that ever held an idle connection: at the io_context's shutdown, while its socket
// service still exists, closes the idle connections that live on it, in every pool still alive.
class IdleReaper : public asio::execution_context::service {
public:
    static inline asio::execution_context::id id;
    explicit IdleReaper(asio::execution_context& context) : service(context) {}

    void watch(const std::shared_ptr<IdleConnections>& pool) {
        std::lock_guard lock(mutex_);
        std::erase_if(pools_, [](const auto& weak) { return weak.expired(); });
        const bool known = std::any_of(pools_.begin(), pools_.end(),
                                       [&](const auto& weak) { return !weak.owner_before(pool) && !pool.owner_before(weak); });
        if (!known) pools_.push_back(pool);
    }

private:
    void shutdown() override {
        std::vector<std::weak_ptr<IdleConnections>> pools;
        {
            std::lock_guard lock(mutex_);
            pools.swap(pools_);
        }
        for (const auto& weak : pools) {
            const auto pool = weak.lock();
            if (!pool) continue;
            Dropped dropped;
            std::lock_guard lock(pool->mutex);
            pool->remove_if([this](const Connection& c) { return c.context == &context(); }, dropped);
        }
    }

    std::mutex mutex_;
    std::vector<std::weak_ptr<IdleConnections>> pools_;
};

}  // namespace

std::string origin_key(const Origin& origin) {
    std::string host = origin.host;
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return origin.scheme + "://" + host + ":" + std::to_string(origin.port);
}

Connection::~Connection() {
    if (auto* tls = std::get_if<TlsStream>(&stream); tls && between_exchanges)
        SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

PlainStream& Connection::lowest() {
    return std::visit([](auto& s) -> PlainStream& { return boost::beast::get_lowest_layer(s); }, stream);
}

bool peer_closed(PlainStream& stream) {
    auto& socket = stream.socket();
    if (!socket.is_open()) return true;
    char byte;
    // MSG_DONTWAIT: never blocks the I/O thread, whatever the socket's mode.
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    return true;  // 0: orderly close; > 0: bytes nobody asked for
}

ConnectionPool::ConnectionPool(std::size_t max_idle_per_origin, std::chrono::milliseconds idle_timeout, std::size_t max_origins)
    : max_idle_per_origin_(max_idle_per_origin),
      idle_timeout_(idle_timeout),
      max_origins_(max_origins),
      idle_(std::make_shared<IdleConnections>()) {}

std::unique_ptr<Connection> ConnectionPool::checkout(const std::string& key, Clock::time_point now) {
    Dropped dropped;
    std::unique_ptr<Connection> out;
    std::lock_guard lock(idle_->mutex);  // released before `dropped` is destroyed
    idle_->expire(now, idle_timeout_, dropped);
    if (auto it = idle_->by_origin.find(key); it != idle_->by_origin.end()) {
        out = std::move(it->second.back());  // the freshest is the likeliest to be alive
        it->second.pop_back();
        --idle_->total;
        if (it->second.empty()) idle_->by_origin.erase(it);
    }
    return out;
}

void ConnectionPool::checkin(std::unique_ptr<Connection> connection, Clock::time_point now) {
    if (!enabled() || !connection) return;
    connection->idle_since = now;
    connection->reused = false;
    connection->between_exchanges = true;
    auto& context = asio::query(connection->lowest().get_executor(), asio::execution::context);
    connection->context = &context;
    asio::use_service<IdleReaper>(context).watch(idle_);

    Dropped dropped;
    std::lock_guard lock(idle_->mutex);  // released before `dropped` is destroyed
    idle_->expire(now, idle_timeout_, dropped);
    auto it = idle_->by_origin.find(connection->origin_key);
    if (it == idle_->by_origin.end()) {
        if (idle_->by_origin.size() >= max_origins_) {  // full of other origins: close this one
            dropped.push_back(std::move(connection));
            return;
        }
        it = idle_->by_origin.emplace(connection->origin_key, IdleConnections::Idle{}).first;
    }
    auto& idle = it->second;
    if (idle.size() >= max_idle_per_origin_) {  // the oldest makes room
        dropped.push_back(std::move(idle.front()));
        idle.pop_front();
        --idle_->total;
    }
    idle.push_back(std::move(connection));
    ++idle_->total;
}

std::size_t ConnectionPool::idle_count() const {
    std::lock_guard lock(idle_->mutex);
    return idle_->total;
}

std::size_t ConnectionPool::idle_count(const std::string& key) const {
    std::lock_guard lock(idle_->mutex);
    const auto it = idle_->by_origin.find(key);
    return it == idle_->by_origin.end() ? 0 : it->second.size();
}

}  // namespace mamute::upstream
