#pragma once
// When each session was last used on this replica: what bounds the sessions one replica serves
// (max_sessions) and ends those left unused (idle_timeout). The session ids stay self-verifying;
// this table only adds a last-seen time, and an id it has never seen (issued by another replica,
// or before a restart) is simply admitted. Touched by every session request, so it is split into
// 16 shards, each a mutex held for one hash look-up; the count is one atomic. Pure: callers pass
// the time.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mamute::mcp {

class SessionActivity {
public:
    using Clock = std::chrono::steady_clock;

    // Told of each session a sweep drops for being idle (no lock held), so it can be ended like
    // one found idle by touch(): otherwise it would come back later as a stranger and be admitted.
    using IdleHandler = std::function<void(const std::string& id)>;

    // idle_timeout 0: sessions never go idle (they still end with their lifetime).
    SessionActivity(std::size_t max_sessions, Clock::duration idle_timeout, IdleHandler on_idle = {});

    // A new session; false when the table is full even after dropping idle ones.
    bool start(const std::string& id, Clock::time_point now);

    enum class Touch {
        seen,      // known and in use: last-seen moved to now
        admitted,  // unknown here (another replica's, or from before a restart): now tracked
        idle,      // unused longer than the idle timeout: dropped; the caller ends the session
        full,      // unknown here and no room for it
    };
    Touch touch(const std::string& id, Clock::time_point now);

    void end(const std::string& id);

    // Sessions tracked (idle ones included until a sweep drops them).
    std::size_t size() const { return count_.load(std::memory_order_relaxed); }

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Clock::time_point> last_seen;
    };
    static constexpr std::size_t shard_count = 16;

    Shard& shard_for(const std::string& id);
    bool is_idle(Clock::time_point last_seen, Clock::time_point now) const;
    // Claims one place in the count, sweeping idle sessions out first when that can help.
    bool reserve(Clock::time_point now);
    std::vector<std::string> sweep(Clock::time_point now);

    std::size_t max_sessions_;
    Clock::duration idle_timeout_;
    Clock::duration sweep_interval_;
    IdleHandler on_idle_;
    std::atomic<std::size_t> count_{0};
    // No session can be idle before this (the oldest last-seen plus the timeout), so a full table
    // does not rescan while nothing could be dropped.
    std::atomic<Clock::rep> next_idle_{0};
    std::atomic<Clock::rep> last_sweep_{0};
    std::array<Shard, shard_count> shards_;
};

}  // namespace mamute::mcp
