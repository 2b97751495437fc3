#pragma once
// Small text helpers shared by the catalog sources.
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace mamute::catalog {

bool iequals(std::string_view a, std::string_view b);
// %XX sequences decoded; malformed ones are kept as written.
std::string percent_decode(std::string_view text);
// For quoting untrusted values in messages: `text` when at most `limit` bytes, else its first bytes (never
// half a UTF-8 character) followed by "…(N bytes)" with N the full size.
std::string shorten(std::string_view text, std::size_t limit = 200);
// A JSON number as a person wrote it in a version or default: 1 -> "1", 1.0 -> "1.0", 2.5 -> "2.5"
// (a YAML "version: 1.0" arrives as the number 1). Empty for anything that is not a number.
std::string number_text(const boost::json::value& value);

}  // namespace mamute::catalog
