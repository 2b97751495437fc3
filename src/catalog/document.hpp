#pragma once
// Reading a spec file into a JSON tree. JSON and YAML give the same tree, so nothing downstream
// needs to know which syntax a document was written in.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace mamute::catalog {

// The whole file, refused when larger than max_document_bytes (checked before reading).
Expected<std::string> read_document_file(const std::string& path);

// Parses document text: JSON when it starts with "{" (YAML as a second try for .yaml/.yml files),
// YAML otherwise. The top level must be an object. Errors name the source and the line and column.
Expected<boost::json::value> parse_document(std::string_view text, const std::string& source);

}  // namespace mamute::catalog
