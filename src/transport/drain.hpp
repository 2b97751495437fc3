#pragma once
// What a graceful shutdown waits for and whom it must wake. Connections count the requests they are
// answering; a connection idle between requests registers a way to wake it, so that on shutdown it
// closes at once instead of waiting out its keep-alive. Shared by every connection of a server.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace mamute::transport {

class Drain {
public:
    using Wake = std::function<void()>;

    // Deregisters an idle connection when it stops waiting (or ends).
    class IdleGuard {
    public:
        IdleGuard(Drain* drain, std::uint64_t id) : drain_(drain), id_(id) {}
        IdleGuard(const IdleGuard&) = delete;
        IdleGuard& operator=(const IdleGuard&) = delete;
        ~IdleGuard() {
            if (drain_) drain_->forget(id_);
        }

    private:
        Drain* drain_;
        std::uint64_t id_;
    };

    bool draining() const { return draining_.load(); }
    std::size_t busy() const { return busy_.load(); }

    // A connection about to wait for its next request. `wake` may be called from any thread (it must
    // post to the connection's strand); when already draining it is called at once.
    [[nodiscard]] IdleGuard idle(Wake wake);

    // Around answering one request (event streams excluded: they last until shutdown ends them).
    void request_started() { busy_.fetch_add(1); }
    void request_finished() { busy_.fetch_sub(1); }

    // From now on connections close after their current request; idle ones are woken to close now.
    void begin();

private:
    void forget(std::uint64_t id);

    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> busy_{0};
    // Only touched when a connection starts or stops idling, and once at shutdown.
    std::mutex mutex_;
    std::uint64_t next_id_ = 0;
    std::map<std::uint64_t, Wake> idle_;
};

}  // namespace mamute::transport
