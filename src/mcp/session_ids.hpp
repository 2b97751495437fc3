#pragma once
// Session ids that verify themselves: random nonce + issue time + protocol revision, signed with
// HMAC-SHA256. Checking one needs no session table, so any thread (and later any replica holding
// the same secret) can serve any session. Only ended sessions are remembered: a set split into
// shards, each behind its own mutex held for one look-up, bounded and pruned as ids expire.
#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace mamute::mcp {

struct SessionInfo {
    std::string protocol_version;
    std::chrono::system_clock::time_point issued_at;
};

class SessionIds {
public:
    using Clock = std::chrono::system_clock;

    // An empty secret draws a random one (sessions then end with the process).
    SessionIds(std::string secret, std::chrono::seconds lifetime, std::size_t max_ended = 100'000);

    std::string issue(std::string_view protocol_version, Clock::time_point now) const;
    // nullopt for forged, malformed, expired or ended ids.
    std::optional<SessionInfo> verify(std::string_view id, Clock::time_point now) const;
    // Ends a session; false when the id was not a live session.
    bool end(std::string_view id, Clock::time_point now);

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Clock::time_point> ended;     // id -> issued_at
        std::multimap<Clock::time_point, std::string> by_issue_time;  // oldest first: pruning and eviction
    };
    static constexpr std::size_t shard_count = 16;

    Shard& shard_for(std::string_view id) const;
    bool is_ended(std::string_view id) const;

    // nullopt when OpenSSL fails: such an id is neither issued nor accepted.
    std::optional<std::array<unsigned char, 32>> sign(const unsigned char* payload, std::size_t size) const;

    std::string secret_;
    // HMAC-SHA256 already keyed with secret_, copied for each signature: HMAC() looks the algorithm up
    // and sets the key up again on every call, a few percent of a request's CPU. Only ever read.
    std::shared_ptr<evp_mac_ctx_st> keyed_mac_;
    std::chrono::seconds lifetime_;
    std::size_t max_ended_per_shard_;
    mutable std::array<Shard, shard_count> shards_;
};

}  // namespace mamute::mcp
