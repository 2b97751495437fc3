#pragma once
// YAML document text -> the same JSON tree a JSON document gives (yaml-cpp's event parser).
//
// Plain scalars are typed by the YAML 1.2 core schema: null, true/false, integers (decimal, 0o, 0x),
// floats; everything else, every quoted or block scalar, and every "!!str" is a string. Mapping keys
// become strings (as written). A plain "<<" key merges mappings in (YAML 1.1 merge keys; explicit keys
// win). Anchors and aliases are expanded, under a node budget so a "billion
// laughs" document is refused instead of exhausting memory; nesting is bounded too.
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace mamute::catalog {

struct YamlLimits {
    std::size_t max_nodes = 0;  // 0: derived from the text size, see yaml_node_budget()
    std::size_t max_depth = 256;
};

// Nodes a document of this size may expand to: 8 per byte of text, at least 1 million, at most 16 million.
std::size_t yaml_node_budget(std::size_t text_size);
// Bytes of scalar text the document may expand to (aliases copy what they name).
std::size_t yaml_byte_budget(std::size_t text_size);

// The YAML 1.2 core schema type of a plain scalar ("42" -> 42, "1.5" -> 1.5, "~" -> null, "3.0.0" -> "3.0.0").
boost::json::value yaml_core_scalar(std::string_view plain);

// Parses the first YAML document; errors name the source and the (1-based) line and column.
Expected<boost::json::value> parse_yaml(std::string_view text, const std::string& source, YamlLimits limits = {});

}  // namespace mamute::catalog
