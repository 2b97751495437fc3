#pragma once
// Per-client token buckets for tools/call: `per_minute` tokens flow back each minute into a bucket
// holding at most `burst`. Pure: the caller passes the time. Shared by all threads, so the buckets
// sit in 16 shards, each a mutex held for one look-up and a little arithmetic; requests from
// different clients rarely meet on one. Bounded: a shard past its share of `max_clients` first
// drops buckets that have refilled (they hold nothing a fresh bucket would not), then the longest
// unused ones.
#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mcp/inbound_auth.hpp"

namespace mamute::mcp {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    // per_minute 0 turns limiting off; a burst of 0 is taken as 1.
    RateLimiter(unsigned per_minute, unsigned burst, std::size_t max_clients = 100'000);

    bool enabled() const { return per_minute_ > 0; }
    unsigned per_minute() const { return per_minute_; }
    unsigned burst() const { return capacity_; }

    struct Decision {
        bool allowed = true;
        std::chrono::seconds retry_after{0};  // when refused: whole seconds, rounded up
        bool over_burst = false;              // refused because `cost` can never fit the bucket
    };
    // Takes `cost` tokens (a batch's tools/call count) all at once, or none.
    Decision take(std::string_view client, unsigned cost, Clock::time_point now);

    std::size_t tracked_clients() const;

private:
    struct Bucket {
        double tokens;
        Clock::time_point updated;
    };
    struct Shard {
        mutable std::mutex mutex;
        std::unordered_map<std::string, Bucket> buckets;
    };
    static constexpr std::size_t shard_count = 16;

    double refilled(const Bucket& bucket, Clock::time_point now) const;
    void make_room(Shard& shard, Clock::time_point now) const;

    unsigned per_minute_;
    unsigned capacity_;
    double tokens_per_second_;
    std::size_t max_per_shard_;
    std::array<Shard, shard_count> shards_;
};

// Who a request counts against: its first credential (hashed: keys are never kept in memory
// longer than the request), so callers with their own API keys behind one NAT get their own
// buckets; else its address. With trust_forwarded_for, the address is the last X-Forwarded-For
// entry, the one our proxy appended: earlier entries are whatever the client chose to send.
std::string rate_limit_key(const HeaderPairs& forwardable_credentials, const std::string& remote_address,
                           const std::optional<std::string>& forwarded_for, bool trust_forwarded_for);

}  // namespace mamute::mcp
