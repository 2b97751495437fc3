#pragma once
// Checks an agent's parameter values and request bodies against the operation's schemas before anything
// is sent: type, enum/const, ranges and lengths, required and unknown properties, array items,
// allOf/anyOf/oneOf. Formats and patterns are left to the API, whose own error is then returned (a regex
// dialect or format we read differently must not block a valid call).
// Pure.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mamute::upstream {

enum class ValueMode {
    body,       // a JSON body: types must match exactly
    parameter,  // sent as text (path, query, header, cookie, form field): "10" is a fine integer, and a
                // file ({filename, content|base64} or {base64}) a fine string
};

// Problems found, each "<where>: <what>" (at most `limit`); empty when the value fits the schema.
// `where` names the value for the agent: "query parameter 'limit'", "body".
std::vector<std::string> check_value(const boost::json::value& schema, const boost::json::value& value,
                                     const std::string& where, ValueMode mode, std::size_t limit = 5);

}  // namespace mamute::upstream
