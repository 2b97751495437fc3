#include "upstream/url_encoding.hpp"

#include <boost/url/parse.hpp>
#include <algorithm>
#include <charconv>

#include "common/encoding.hpp"
#include "catalog/text.hpp"

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

std::string quoted(std::string_view url) { return "'" + catalog::shorten(url) + "'"; }

// The authority of "scheme://authority/path?query#fragment" without its userinfo; nullopt without "//".
std::optional<std::string_view> host_and_port(std::string_view url) {
    const auto slashes = url.find("://");
    if (slashes == std::string_view::npos) return std::nullopt;
    auto authority = url.substr(slashes + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    return authority;
}

// Boost.URL's port_number() is a uint16_t that silently wraps (99999 becomes 34463), and a port that is
// not all digits fails the whole parse with a vague message: the port text is checked here first.
std::optional<Error> check_port(std::string_view url, std::string_view authority) {
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return make_error(quoted(url) + " has a '[' without its ']'");
        authority.remove_prefix(close + 1);
        if (!authority.starts_with(':')) return std::nullopt;  // anything else is left to the parser
    }
    const auto colon = authority.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto port = authority.substr(colon + 1);
    unsigned long value = 0;
    const bool digits = !port.empty() && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!digits || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
        return make_error(quoted(url) + " has an invalid port '" + catalog::shorten(port, 40) +
                          "': a port is a number from 1 to 65535");
    return std::nullopt;
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
    // RFC 9110 field values: visible characters, spaces, tabs and obs-text; no other control byte.
    return std::none_of(value.begin(), value.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; });
}

std::optional<std::string> header_size_problem(std::string_view name, std::string_view value) {
    const auto size = name.size() + value.size();
    if (size <= max_header_bytes_each) return std::nullopt;
    return "header '" + catalog::shorten(name) + "' is " + std::to_string(size) + " bytes; at most " +
           std::to_string(max_header_bytes_each) + " bytes per header (name and value)";
}

std::optional<std::string> headers_size_problem(const HeaderList& headers) {
    std::size_t total = 0;
    for (const auto& [name, value] : headers) {
        if (auto problem = header_size_problem(name, value)) return problem;
        total += name.size() + value.size() + 4;  // "name: value\r\n"
    }
    if (total <= max_header_bytes_total) return std::nullopt;
    return "the request headers add up to " + std::to_string(total) + " bytes; at most " +
           std::to_string(max_header_bytes_total) + " bytes in all";
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

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

Expected<ParsedUrl> parse_http_url(std::string_view url) {
    if (const auto authority = host_and_port(url))
        if (auto problem = check_port(url, *authority)) return *problem;
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        // parse_absolute_uri refuses fragments; retry without one, which is never sent anyway.
        const auto hash = url.find('#');
        if (hash != std::string_view::npos) parsed = boost::urls::parse_absolute_uri(url.substr(0, hash));
    }
    if (!parsed) return make_error(quoted(url) + " is not a valid absolute URL");
    const auto& u = *parsed;
    ParsedUrl out;
    out.origin.scheme = ascii_lower(u.scheme());
    if (out.origin.scheme != "http" && out.origin.scheme != "https")
        return make_error("refused: scheme '" + out.origin.scheme + "' is not allowed (only http and https)");
    if (u.has_userinfo()) return make_error("refused: URLs with user information (user:password@) are not allowed");
    if (u.encoded_host().empty()) return make_error(quoted(url) + " has no host");
    switch (u.host_type()) {
        case boost::urls::host_type::name: {
            const std::string host(u.encoded_host());
            if (host.find('%') != std::string::npos)
                return make_error("refused: '" + catalog::shorten(host) + "' is not a valid host name");
            out.origin.host = ascii_lower(host);
            break;
        }
        case boost::urls::host_type::ipv4:
            out.origin.host = u.host_ipv4_address().to_string();
            break;
        case boost::urls::host_type::ipv6:
            out.origin.host = u.host_ipv6_address().to_string();
            break;
        default:
            return make_error("refused: URL " + quoted(url) + " has no usable host");
    }
    out.origin.port = default_port(out.origin.scheme);
    if (u.has_port()) {
        // check_port has seen this text: 1 to 65535, digits only (leading zeros allowed).
        unsigned long value = 0;
        const auto port = u.port();
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            return make_error(quoted(url) + " has an invalid port '" + catalog::shorten(port, 40) +
                              "': a port is a number from 1 to 65535");
        out.origin.port = static_cast<std::uint16_t>(value);
    }
    out.path = std::string(u.encoded_path());
    if (u.has_query()) out.query = std::string(u.encoded_query());
    return out;
}

Expected<ParsedUrl> validate_base_url(std::string_view url) {
    constexpr std::string_view shape = ": a base URL is scheme://host[:port][/path]";
    if (url.find("://") == std::string_view::npos) return make_error(quoted(url) + " is not an absolute http(s) URL");
    auto parsed = parse_http_url(url);
    if (!parsed) return parsed.error();
    const auto hash = url.find('#');
    if (url.substr(0, hash).find('?') != std::string_view::npos)
        return make_error(quoted(url) + " has a query ('?')" + std::string(shape));
    if (hash != std::string_view::npos) return make_error(quoted(url) + " has a fragment ('#')" + std::string(shape));
    return parsed;
}

}  // namespace mamute::upstream
