#include "mcp/http_rules.hpp"

#include <algorithm>
#include <cctype>

namespace mamute::mcp {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

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
    const std::string given = lower(trim(origin));
    for (const auto& entry : allowed_origins) {
        const std::string pattern = lower(entry);
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
    const std::string host = lower(host_part(trim(host_header)));
    return std::any_of(allowed_hosts.begin(), allowed_hosts.end(),
                       [&](const std::string& allowed) { return lower(allowed) == host; });
}

bool accept_acceptable(const std::optional<std::string>& accept) {
    if (!accept || trim(*accept).empty()) return true;
    const std::string value = lower(*accept);
    for (const char* type : {"application/json", "text/event-stream", "*/*", "application/*"})
        if (value.find(type) != std::string::npos) return true;
    return false;
}

bool content_type_is_json(const std::optional<std::string>& content_type) {
    if (!content_type) return true;  // lenient: the body still has to parse as JSON
    const std::string value = lower(trim(*content_type));
    const auto media = trim(std::string_view(value).substr(0, value.find(';')));
    return media == "application/json";
}

bool is_loopback_address(std::string_view address) {
    return address == "localhost" || address == "::1" || address == "[::1]" || address.starts_with("127.");
}

}  // namespace mamute::mcp
