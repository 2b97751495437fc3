#include "mcp/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace mamute::mcp {

RateLimiter::RateLimiter(unsigned per_minute, unsigned burst, std::size_t max_clients)
    : per_minute_(per_minute),
      capacity_(std::max(1u, burst)),
      tokens_per_second_(per_minute / 60.0),
      max_per_shard_(std::max<std::size_t>(8, max_clients / shard_count)) {}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
    return std::min<double>(capacity_, bucket.tokens + elapsed * tokens_per_second_);
}

void RateLimiter::make_room(Shard& shard, Clock::time_point now) const {
    std::erase_if(shard.buckets, [&](const auto& entry) { return refilled(entry.second, now) >= capacity_; });
    // Every bucket still in use: drop the least recently used eighth, so this scan runs once per
    // many new clients rather than once per request.
    const std::size_t target = max_per_shard_ - max_per_shard_ / 8;
    if (shard.buckets.size() <= target) return;
    std::vector<std::pair<Clock::time_point, const std::string*>> by_age;
    by_age.reserve(shard.buckets.size());
    for (const auto& [key, bucket] : shard.buckets) by_age.emplace_back(bucket.updated, &key);
    const auto excess = static_cast<std::ptrdiff_t>(shard.buckets.size() - target);
    std::nth_element(by_age.begin(), by_age.begin() + excess - 1, by_age.end());
    std::vector<std::string> doomed;
    doomed.reserve(static_cast<std::size_t>(excess));
    for (auto it = by_age.begin(); it != by_age.begin() + excess; ++it) doomed.push_back(*it->second);
    for (const auto& key : doomed) shard.buckets.erase(key);
}

RateLimiter::Decision RateLimiter::take(std::string_view client, unsigned cost, Clock::time_point now) {
    if (!enabled() || cost == 0) return {};
    auto& shard = shards_[std::hash<std::string_view>{}(client) % shard_count];
    std::lock_guard lock(shard.mutex);
    auto it = shard.buckets.find(std::string(client));
    if (it == shard.buckets.end()) {
        if (shard.buckets.size() >= max_per_shard_) make_room(shard, now);
        it = shard.buckets.emplace(std::string(client), Bucket{static_cast<double>(capacity_), now}).first;
    }
    auto& bucket = it->second;
    bucket.tokens = refilled(bucket, now);
    bucket.updated = now;
    if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return {};
    }
    Decision refused;
    refused.allowed = false;
    refused.over_burst = cost > capacity_;
    // Over the burst, the soonest anything helps is a full bucket (for a smaller request).
    const double missing = (refused.over_burst ? capacity_ : cost) - bucket.tokens;
    // The epsilon keeps rounding noise (0.6667 / 0.0333 = 20.000001) from adding a whole second.
    const double seconds = std::ceil(missing / tokens_per_second_ - 1e-6);
    refused.retry_after = std::chrono::seconds(std::max<long long>(1, static_cast<long long>(seconds)));
    return refused;
}

std::size_t RateLimiter::tracked_clients() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        total += shard.buckets.size();
    }
    return total;
}

std::string rate_limit_key(const HeaderPairs& forwardable_credentials, const std::string& remote_address,
                           const std::optional<std::string>& forwarded_for, bool trust_forwarded_for) {
    if (!forwardable_credentials.empty()) {
        const auto digest = sha256(forwardable_credentials.front().second);
        return "key:" + std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
    }
    if (trust_forwarded_for && forwarded_for) {
        std::string_view list = *forwarded_for;
        const auto comma = list.rfind(',');
        std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
        while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
        while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
        if (!last.empty()) return "addr:" + std::string(last);
    }
    return "addr:" + remote_address;
}

}  // namespace mamute::mcp
