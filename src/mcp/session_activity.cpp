#include "mcp/session_activity.hpp"

#include <algorithm>
#include <functional>

namespace mamute::mcp {

SessionActivity::SessionActivity(std::size_t max_sessions, Clock::duration idle_timeout, IdleHandler on_idle)
    : max_sessions_(std::max<std::size_t>(1, max_sessions)),
      idle_timeout_(idle_timeout),
      // Below capacity, sweeping only keeps the gauge honest: a few times per timeout is enough.
      sweep_interval_(std::max<Clock::duration>(std::chrono::seconds(1), idle_timeout / 16)),
      on_idle_(std::move(on_idle)) {}

SessionActivity::Shard& SessionActivity::shard_for(const std::string& id) {
    // Session ids end in an HMAC, so any hash of them spreads evenly.
    return shards_[std::hash<std::string>{}(id) % shard_count];
}

bool SessionActivity::is_idle(Clock::time_point last_seen, Clock::time_point now) const {
    return idle_timeout_ > Clock::duration::zero() && now - last_seen > idle_timeout_;
}

std::vector<std::string> SessionActivity::sweep(Clock::time_point now) {
    last_sweep_.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    std::vector<std::string> dropped;
    if (idle_timeout_ == Clock::duration::zero()) return dropped;
    auto oldest = now;
    for (auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (auto it = shard.last_seen.begin(); it != shard.last_seen.end();) {
            if (is_idle(it->second, now)) {
                dropped.push_back(it->first);
                it = shard.last_seen.erase(it);
                count_.fetch_sub(1, std::memory_order_relaxed);
            } else {
                oldest = std::min(oldest, it->second);
                ++it;
            }
        }
    }
    next_idle_.store((oldest + idle_timeout_).time_since_epoch().count(), std::memory_order_relaxed);
    return dropped;
}

bool SessionActivity::reserve(Clock::time_point now) {
    const auto ticks = now.time_since_epoch().count();
    const bool may_drop = idle_timeout_ > Clock::duration::zero() && ticks > next_idle_.load(std::memory_order_relaxed);
    if (may_drop && (count_.load(std::memory_order_relaxed) >= max_sessions_ ||
                     ticks - last_sweep_.load(std::memory_order_relaxed) >= sweep_interval_.count()))
        for (const auto& id : sweep(now))
            if (on_idle_) on_idle_(id);
    auto count = count_.load(std::memory_order_relaxed);
    do {
        if (count >= max_sessions_) return false;
    } while (!count_.compare_exchange_weak(count, count + 1, std::memory_order_relaxed));
    return true;
}

bool SessionActivity::start(const std::string& id, Clock::time_point now) {
    if (!reserve(now)) return false;
    auto& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    if (!shard.last_seen.emplace(id, now).second) count_.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

SessionActivity::Touch SessionActivity::touch(const std::string& id, Clock::time_point now) {
    auto& shard = shard_for(id);
    {
        std::lock_guard lock(shard.mutex);
        if (auto it = shard.last_seen.find(id); it != shard.last_seen.end()) {
            if (is_idle(it->second, now)) {
                shard.last_seen.erase(it);
                count_.fetch_sub(1, std::memory_order_relaxed);
                return Touch::idle;
            }
            it->second = std::max(it->second, now);
            return Touch::seen;
        }
    }
    // Not under the shard's lock: reserving may sweep every shard.
    if (!reserve(now)) return Touch::full;
    std::lock_guard lock(shard.mutex);
    auto [it, inserted] = shard.last_seen.emplace(id, now);
    if (!inserted) {
        // Admitted concurrently by another request of the same session.
        count_.fetch_sub(1, std::memory_order_relaxed);
        it->second = std::max(it->second, now);
    }
    return Touch::admitted;
}

void SessionActivity::end(const std::string& id) {
    auto& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    if (shard.last_seen.erase(id) > 0) count_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace mamute::mcp
