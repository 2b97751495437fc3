#pragma once
// Duplicate member names in JSON text. boost::json::parse keeps the last of them without a word, while
// whatever reads the same text next (an API behind us, a person editing a config file) may take the first.
#include <optional>
#include <string>
#include <string_view>

namespace mamute {

// The first member name that occurs twice in one object, anywhere in the text; nullopt when there is none,
// and for text that is not JSON (parse it for that error).
std::optional<std::string> first_duplicate_key(std::string_view json_text);

}  // namespace mamute
