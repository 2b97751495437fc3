#include "mcp/inbound_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/algorithm/string/predicate.hpp>

namespace mamute::mcp {

namespace {

constexpr std::string_view authorization_header = "Authorization";

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::array<unsigned char, 32> sha256(std::string_view data) {
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    // One-shot EVP digest: no context to leak on an early return.
    EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return digest;
}

InboundAuth::InboundAuth(std::string_view token) : enabled_(!token.empty()) {
    if (enabled_) digest_ = sha256(token);
}

bool InboundAuth::accepts(std::optional<std::string_view> authorization) const {
    if (!enabled_) return true;
    if (!authorization) return false;
    // RFC 7235: the scheme is case-insensitive, then one or more spaces, then the credentials.
    std::string_view value = *authorization;
    constexpr std::string_view scheme = "bearer";
    if (value.size() <= scheme.size() || !boost::algorithm::iequals(value.substr(0, scheme.size()), scheme) ||
        !is_space(value[scheme.size()]))
        return false;
    value.remove_prefix(scheme.size());
    while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
    const auto given = sha256(value);
    return CRYPTO_memcmp(given.data(), digest_.data(), digest_.size()) == 0;
}

HeaderPairs InboundAuth::forwardable(const HeaderPairs& credentials) const {
    if (!enabled_) return credentials;
    HeaderPairs kept;
    kept.reserve(credentials.size());
    for (const auto& header : credentials)
        if (!boost::algorithm::iequals(header.first, authorization_header)) kept.push_back(header);
    return kept;
}

std::optional<std::string_view> find_header(const HeaderPairs& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (boost::algorithm::iequals(key, name)) return std::string_view(value);
    return std::nullopt;
}

}  // namespace mamute::mcp
