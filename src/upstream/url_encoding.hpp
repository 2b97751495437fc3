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
// No CR, LF or NUL: a value must not be able to start a new header line.
bool is_valid_header_value(std::string_view value);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

// An absolute http(s) URL split into what the client needs.
struct ParsedUrl {
    Origin origin;       // scheme and host lower-cased, default port filled in
    std::string path;    // percent-encoded, as written ("" when absent)
    std::string query;   // percent-encoded, without '?'; empty when absent
};

// Refuses non-http(s) schemes, userinfo, IPvFuture hosts and malformed URLs.
Expected<ParsedUrl> parse_http_url(std::string_view url);

std::uint16_t default_port(std::string_view scheme);

}  // namespace mamute::upstream
