#include "mcp/http_rules.hpp"

#include <algorithm>
#include <cctype>

#include "common/encoding.hpp"

namespace mamute::mcp {

namespace {

// Splits "host:port" / "[v6]:port" into the host part (brackets kept for IPv6).
std::string_view host_part(std::string_view authority) {
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
    }
    const auto colon = authority.rfind(':');
    return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins) {
    const std::string given = ascii_lower(trim_whitespace(origin));
    for (const auto& entry : allowed_origins) {
        const std::string pattern = ascii_lower(entry);
        if (pattern == "*" || pattern == given) return true;
        if (pattern.size() > 2 && pattern.ends_with(":*")) {
            const std::string_view base(pattern.data(), pattern.size() - 2);
            if (given == base) return true;
            if (given.size() > base.size() + 1 && given.starts_with(base) && given[base.size()] == ':' &&
                all_digits(std::string_view(given).substr(base.size() + 1)))
                return true;
        }
    }
    return false;
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed_hosts) {
    if (allowed_hosts.empty()) return true;
    const std::string host = ascii_lower(host_part(trim_whitespace(host_header)));
    return std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                       [&](const std::string& allowed) { return ascii_lower(allowed) == host; });
}

bool accept_acceptable(const std::optional<std::string>& accept) {
    if (!accept || trim_whitespace(*accept).empty()) return true;
    const std::string value = ascii_lower(*accept);
    for (const char* type : {"application/json", "text/event-stream", "*/*", "application/*"})
        if (value.find(type) != std::string::npos) return true;
    return false;
}

bool content_type_is_json(const std::optional<std::string>& content_type) {
    if (!content_type) return true;  // lenient: the body still has to parse as JSON
    const std::string value = ascii_lower(trim_whitespace(*content_type));
    const auto media = trim_whitespace(std::string_view(value).substr(0, value.find(';')));
    return media == "application/json";
}

bool is_loopback_address(std::string_view address) {
    return address == "localhost" || address == "::1" || address == "[::1]" || address.starts_with("127.");
}

}  // namespace mamute::mcp
