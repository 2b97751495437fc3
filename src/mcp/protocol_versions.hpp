#pragma once
// The MCP revisions this server speaks, newest first.
#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace mamute::mcp {

inline constexpr std::array<std::string_view, 4> supported_protocol_versions = {"2025-11-25", "2025-06-18",
                                                                                "2025-03-26", "2024-11-05"};
inline constexpr std::string_view latest_protocol_version = supported_protocol_versions.front();
// Assumed when a client sends no MCP-Protocol-Version header (as the 2025-06-18 revision says).
inline constexpr std::string_view default_header_protocol_version = "2025-03-26";

inline bool is_supported_protocol_version(std::string_view version) {
    return std::find(supported_protocol_versions.begin(), supported_protocol_versions.end(), version) !=
           supported_protocol_versions.end();
}

// Echo the client's revision when we speak it, else offer our latest (the client decides).
inline std::string_view negotiate_protocol_version(std::string_view requested) {
    return is_supported_protocol_version(requested) ? requested : latest_protocol_version;
}

// JSON-RPC batches exist in 2025-03-26 only: added then, removed by 2025-06-18.
inline constexpr std::string_view batch_protocol_version = "2025-03-26";
inline constexpr std::size_t max_batch_messages = 100;

}  // namespace mamute::mcp
