#pragma once
// Reading a spec file into a JSON tree. JSON only for now; YAML will plug in here, producing the
// same tree, so nothing downstream needs to know which syntax a document was written in.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace mamute::catalog {

// The whole file, refused when larger than max_document_bytes (checked before reading).
Expected<std::string> read_document_file(const std::string& path);

// Parses document text; errors name the source and the line and column of the problem.
Expected<boost::json::value> parse_document(std::string_view text, const std::string& source);

}  // namespace mamute::catalog
