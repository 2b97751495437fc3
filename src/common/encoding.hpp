#pragma once
// Small text encodings used across modules: one implementation each.
#include <optional>
#include <string>
#include <string_view>

namespace mamute {

enum class Base64Alphabet { standard, url };  // url: '-' and '_', no padding (RFC 4648 section 5)

std::string base64_encode(std::string_view data, Base64Alphabet alphabet = Base64Alphabet::standard);
// nullopt for characters outside the alphabet, data after padding or a bad length.
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet = Base64Alphabet::standard);

std::string hex_encode(std::string_view data);

// Spaces and tabs (HTTP's optional whitespace) off both ends.
std::string_view trim_whitespace(std::string_view text);
std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);

// The length of the well-formed UTF-8 character starting at text[at] (strict: no overlong forms, no surrogates,
// nothing above U+10FFFF, not cut short), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

}  // namespace mamute
