#pragma once
// The optional inbound bearer token: when configured, a client must send
// "Authorization: Bearer <token>" to use the MCP endpoint at all. The token is the server's, not
// the API's, so the header is consumed here and never forwarded upstream. Pure.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamute::mcp {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

class InboundAuth {
public:
    // An empty token turns the check off.
    explicit InboundAuth(std::string_view token);

    bool enabled() const { return enabled_; }
    // True when `authorization` (the header's value) carries the token. Both sides are hashed
    // first, so the comparison takes the same time whatever the length or content of a guess.
    bool accepts(std::optional<std::string_view> authorization) const;

    // The credentials to forward upstream: all of them, minus Authorization when it is ours.
    HeaderPairs forwardable(const HeaderPairs& credentials) const;

private:
    bool enabled_;
    std::array<unsigned char, 32> digest_{};
};

// A header's value from a list named as configured (names compare case-insensitively).
std::optional<std::string_view> find_header(const HeaderPairs& headers, std::string_view name);

// SHA-256 of `data` (raw 32 bytes).
std::array<unsigned char, 32> sha256(std::string_view data);

}  // namespace mamute::mcp
