#pragma once
// JSON pointers (RFC 6901) as OpenAPI uses them: in error messages and in local "$ref"s.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace mamute::catalog {

// One reference token escaped for a pointer: "/pets" -> "~1pets".
std::string escape_pointer_token(std::string_view token);

// Appends "/token" (escaped) to a pointer.
std::string pointer_append(std::string_view pointer, std::string_view token);
std::string pointer_append(std::string_view pointer, std::size_t index);

// Looks up a local reference ("#/components/schemas/Pet", percent-encoding allowed as in any
// URI fragment). Null when the reference is not local or names nothing.
const boost::json::value* find_local_ref(const boost::json::value& document, std::string_view ref);

}  // namespace mamute::catalog
