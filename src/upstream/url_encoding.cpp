#include "upstream/url_encoding.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

namespace mamute::upstream {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void append_escaped(std::string& out, unsigned char c) {
    out += '%';
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0x0F];
}

}  // namespace

std::string percent_encode(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (unsigned char c : value) {
        if (is_unreserved(c))
            out += static_cast<char>(c);
        else
            append_escaped(out, c);
    }
    return out;
}

std::string encode_path_literal(std::string_view literal) {
    static constexpr std::string_view keep = "/!$&'()*+,;=:@";
    std::string out;
    out.reserve(literal.size());
    for (std::size_t i = 0; i < literal.size(); ++i) {
        const auto c = static_cast<unsigned char>(literal[i]);
        const bool escape_sequence =
            c == '%' && i + 2 < literal.size() && is_hex(literal[i + 1]) && is_hex(literal[i + 2]);
        if (is_unreserved(c) || keep.find(static_cast<char>(c)) != std::string_view::npos || escape_sequence)
            out += static_cast<char>(c);
        else
            append_escaped(out, c);
    }
    return out;
}

std::optional<std::string> scalar_to_string(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::string:
            return std::string(value.get_string());
        case boost::json::kind::bool_:
            return value.get_bool() ? "true" : "false";
        case boost::json::kind::int64:
            return std::to_string(value.get_int64());
        case boost::json::kind::uint64:
            return std::to_string(value.get_uint64());
        case boost::json::kind::double_: {
            // Shortest round-trip form, like JSON.stringify (4.2 -> "4.2", not Boost's "4.2E0").
            char buffer[64];
            const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
            return std::string(buffer, result.ptr);
        }
        default:
            return std::nullopt;
    }
}

bool is_valid_header_name(std::string_view name) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    if (name.empty()) return false;
    for (unsigned char c : name) {
        const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && extra.find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

bool is_valid_header_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string to_upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

Expected<ParsedUrl> parse_http_url(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        // parse_absolute_uri refuses fragments; retry without one, which is never sent anyway.
        const auto hash = url.find('#');
        if (hash != std::string_view::npos) parsed = boost::urls::parse_absolute_uri(url.substr(0, hash));
    }
    if (!parsed) return make_error("'" + std::string(url) + "' is not a valid absolute URL");
    const auto& u = *parsed;
    ParsedUrl out;
    out.origin.scheme = to_lower(u.scheme());
    if (out.origin.scheme != "http" && out.origin.scheme != "https")
        return make_error("refused: scheme '" + out.origin.scheme + "' is not allowed (only http and https)");
    if (u.has_userinfo()) return make_error("refused: URLs with user information (user:password@) are not allowed");
    switch (u.host_type()) {
        case boost::urls::host_type::name: {
            const std::string host(u.encoded_host());
            if (host.empty() || host.find('%') != std::string::npos)
                return make_error("refused: '" + host + "' is not a valid host name");
            out.origin.host = to_lower(host);
            break;
        }
        case boost::urls::host_type::ipv4:
            out.origin.host = u.host_ipv4_address().to_string();
            break;
        case boost::urls::host_type::ipv6:
            out.origin.host = u.host_ipv6_address().to_string();
            break;
        default:
            return make_error("refused: URL '" + std::string(url) + "' has no usable host");
    }
    out.origin.port = default_port(out.origin.scheme);
    if (u.has_port()) {
        if (u.port().empty() || u.port_number() == 0) return make_error("'" + std::string(url) + "' has an invalid port");
        out.origin.port = u.port_number();
    }
    out.path = std::string(u.encoded_path());
    if (u.has_query()) out.query = std::string(u.encoded_query());
    return out;
}

}  // namespace mamute::upstream
