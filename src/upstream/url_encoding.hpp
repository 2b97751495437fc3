#pragma once
// Small, pure helpers for building URLs and headers from untrusted values.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

// RFC 3986: encodes every byte except the unreserved set A-Z a-z 0-9 - . _ ~ (space is %20).
// Used for path-parameter values and query names/values, so no value can add a segment,
// a query or a fragment.
std::string percent_encode(std::string_view value);

// Encodes a literal part of a path template: keeps '/', pchar characters and existing %XX escapes.
std::string encode_path_literal(std::string_view literal);

// A scalar JSON value as text, the way JSON.stringify would print it (strings unquoted).
// Returns nullopt for null, arrays and objects.
std::optional<std::string> scalar_to_string(const boost::json::value& value);

// RFC 9110 token characters only (no separators, spaces or controls).
bool is_valid_header_name(std::string_view name);
// No CR, LF, NUL or other control byte (tab allowed): a value must not be able to start a new header line.
bool is_valid_header_value(std::string_view value);
bool iequals(std::string_view a, std::string_view b);
// Why a header is too large to send (max_header_bytes_each for name plus value), nullopt when it fits.
std::optional<std::string> header_size_problem(std::string_view name, std::string_view value);
// The same for every header of a list, then for the list as a whole (max_header_bytes_total).
std::optional<std::string> headers_size_problem(const HeaderList& headers);

// An absolute http(s) URL split into what the client needs.
struct ParsedUrl {
    Origin origin;       // scheme and host lower-cased, default port filled in
    std::string path;    // percent-encoded, as written ("" when absent)
    std::string query;   // percent-encoded, without '?'; empty when absent
};

// Refuses non-http(s) schemes, userinfo, IPvFuture hosts, an empty host, a '[' without its ']', a port
// that is not a number from 1 to 65535, and malformed URLs. A fragment is ignored. Messages quote the
// URL cut to 200 bytes.
Expected<ParsedUrl> parse_http_url(std::string_view url);

// For start-up checks of a configured base URL: parse_http_url, and also no query and no fragment, since a
// base URL is only scheme://host[:port][/path]. The messages name the URL but no option: callers prefix them.
Expected<ParsedUrl> validate_base_url(std::string_view url);

std::uint16_t default_port(std::string_view scheme);

}  // namespace mamute::upstream
