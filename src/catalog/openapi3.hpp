#pragma once
// OpenAPI 3.0 / 3.1 document -> operation model. (Swagger 2.0 documents are translated to OpenAPI
// 3.0 first, by swagger2_to_openapi3(), so they end up in the same Spec.)
#include <boost/json/value.hpp>
#include <string>

#include "catalog/catalog.hpp"
#include "common/expected.hpp"

namespace mamute::catalog {

// Fills everything but search_index. Errors name the source and the JSON pointer of the problem.
Expected<Spec> read_openapi3(boost::json::value document, const std::string& source);

}  // namespace mamute::catalog
