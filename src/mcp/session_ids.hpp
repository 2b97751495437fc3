#pragma once
// Session ids that verify themselves: random nonce + issue time + protocol revision, signed with
// HMAC-SHA256. Checking one needs no shared table and no lock, so any thread (and later any
// replica holding the same secret) can serve any session. Only ended sessions are remembered,
// in a copy-on-write set that readers load atomically.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

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
    using EndedSet = std::map<std::string, Clock::time_point, std::less<>>;  // id -> issued_at

    std::string secret_;
    std::chrono::seconds lifetime_;
    std::size_t max_ended_;
    std::atomic<std::shared_ptr<const EndedSet>> ended_;
};

}  // namespace mamute::mcp
