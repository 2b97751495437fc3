#include "mcp/session_ids.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

#include "common/encoding.hpp"
#include "mcp/protocol_versions.hpp"

namespace mamute::mcp {

namespace {

constexpr std::size_t nonce_bytes = 16;
constexpr std::size_t payload_bytes = nonce_bytes + 8 + 1;
constexpr std::size_t mac_bytes = 16;  // truncated HMAC-SHA256: 128 bits is plenty against forgery
using Payload = std::array<unsigned char, payload_bytes>;

std::string to_hex(const unsigned char* data, std::size_t size) {
    return hex_encode(std::string_view(reinterpret_cast<const char*>(data), size));
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool from_hex(std::string_view hex, unsigned char* out, std::size_t size) {
    if (hex.size() != size * 2) return false;
    for (std::size_t i = 0; i < size; ++i) {
        const int high = hex_value(hex[2 * i]);
        const int low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        out[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return true;
}

}  // namespace

SessionIds::SessionIds(std::string secret, std::chrono::seconds lifetime, std::size_t max_ended)
    : secret_(std::move(secret)),
      lifetime_(lifetime),
      max_ended_per_shard_(std::max<std::size_t>(1, max_ended / shard_count)) {
    if (secret_.empty()) {
        secret_.resize(32);
        if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), static_cast<int>(secret_.size())) != 1)
            throw std::runtime_error("cannot draw a random session secret");
    }
    std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr), EVP_MAC_free);
    if (!hmac) throw std::runtime_error("OpenSSL has no HMAC");
    keyed_mac_.reset(EVP_MAC_CTX_new(hmac.get()), EVP_MAC_CTX_free);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!keyed_mac_ || EVP_MAC_init(keyed_mac_.get(), reinterpret_cast<const unsigned char*>(secret_.data()),
                                    secret_.size(), params) != 1)
        throw std::runtime_error("cannot set up HMAC-SHA256");
}

std::optional<std::array<unsigned char, 32>> SessionIds::sign(const unsigned char* payload, std::size_t size) const {
    std::array<unsigned char, 32> mac{};
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_mac_.get()), EVP_MAC_CTX_free);
    std::size_t length = 0;
    if (!ctx || EVP_MAC_update(ctx.get(), payload, size) != 1 ||
        EVP_MAC_final(ctx.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size())
        return std::nullopt;
    return mac;
}

std::string SessionIds::issue(std::string_view protocol_version, Clock::time_point now) const {
    Payload payload{};
    if (RAND_bytes(payload.data(), nonce_bytes) != 1) return {};
    const auto seconds = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                        now.time_since_epoch())
                                                        .count());
    for (int i = 0; i < 8; ++i) payload[nonce_bytes + i] = static_cast<unsigned char>(seconds >> (56 - 8 * i));
    unsigned char version_index = 0;
    for (std::size_t i = 0; i < supported_protocol_versions.size(); ++i)
        if (supported_protocol_versions[i] == protocol_version) version_index = static_cast<unsigned char>(i);
    payload[payload_bytes - 1] = version_index;
    const auto mac = sign(payload.data(), payload.size());
    if (!mac) return {};
    return to_hex(payload.data(), payload.size()) + to_hex(mac->data(), mac_bytes);
}

std::optional<SessionInfo> SessionIds::verify(std::string_view id, Clock::time_point now) const {
    Payload payload{};
    std::array<unsigned char, mac_bytes> given{};
    if (id.size() != 2 * (payload_bytes + mac_bytes)) return std::nullopt;
    if (!from_hex(id.substr(0, 2 * payload_bytes), payload.data(), payload.size())) return std::nullopt;
    if (!from_hex(id.substr(2 * payload_bytes), given.data(), given.size())) return std::nullopt;
    const auto expected = sign(payload.data(), payload.size());
    if (!expected || CRYPTO_memcmp(expected->data(), given.data(), mac_bytes) != 0) return std::nullopt;

    std::uint64_t seconds = 0;
    for (int i = 0; i < 8; ++i) seconds = seconds << 8 | payload[nonce_bytes + i];
    const Clock::time_point issued_at{std::chrono::seconds(seconds)};
    if (now - issued_at > lifetime_ || issued_at - now > std::chrono::minutes(5)) return std::nullopt;
    const auto version_index = payload[payload_bytes - 1];
    if (version_index >= supported_protocol_versions.size()) return std::nullopt;

    if (is_ended(id)) return std::nullopt;
    return SessionInfo{std::string(supported_protocol_versions[version_index]), issued_at};
}

SessionIds::Shard& SessionIds::shard_for(std::string_view id) const {
    // The ids end in an HMAC, so their last bytes are already uniformly spread.
    return shards_[std::hash<std::string_view>{}(id) % shard_count];
}

bool SessionIds::is_ended(std::string_view id) const {
    auto& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    return shard.ended.contains(std::string(id));
}

bool SessionIds::end(std::string_view id, Clock::time_point now) {
    const auto info = verify(id, now);
    if (!info) return false;
    auto& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    // Expired ids verify as unknown anyway, so they need not be remembered.
    const auto expired_before = now - lifetime_;
    while (!shard.by_issue_time.empty() &&
           (shard.by_issue_time.begin()->first < expired_before || shard.ended.size() >= max_ended_per_shard_)) {
        shard.ended.erase(shard.by_issue_time.begin()->second);
        shard.by_issue_time.erase(shard.by_issue_time.begin());
    }
    if (!shard.ended.emplace(std::string(id), info->issued_at).second) return false;  // ended concurrently
    shard.by_issue_time.emplace(info->issued_at, std::string(id));
    return true;
}

}  // namespace mamute::mcp
