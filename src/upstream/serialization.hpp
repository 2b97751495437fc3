#pragma once
// OpenAPI parameter styles and non-JSON body encodings. Pure.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace mamute::upstream {

// A scalar as text (JSON.stringify-like, strings unquoted); arrays and objects as compact JSON.
std::string item_text(const boost::json::value& value);

// A path parameter value in style simple, label or matrix (RFC 6570 {x}, {.x}, {;x}), every
// value percent-encoded so it stays inside its segment.
std::string serialize_path_param(std::string_view name, std::string_view style, bool explode,
                                 const boost::json::value& value);

// Encodes a value taken from a concrete path: keeps sub-delimiters (",;=") as typed, escapes what
// could leave the segment ('/', '?', '#', '%', spaces, controls, non-ASCII).
std::string encode_segment(std::string_view decoded);

// application/json or any +json media type, parameters ignored.
bool is_json_media(std::string_view content_type);

// A query value or form field: RFC 3986 unreserved characters kept; with allowReserved also the reserved
// ones except '&', '=', '+' and '#', which would change how the query is split or read.
std::string encode_query_text(std::string_view text, bool allow_reserved);

// How one field of a form body is written (OpenAPI Encoding Object); style empty: not given.
struct FieldEncoding {
    std::string content_type;  // multipart only: the part's Content-Type (the first when a list is given)
    std::string style;
    bool explode = true;
    bool allow_reserved = false;
};
using FieldEncodings = std::map<std::string, FieldEncoding, std::less<>>;

// The `encoding` map of a media type object (null or absent: none).
FieldEncodings field_encodings(const boost::json::value& media_type);

// Query-style name=value pairs (percent-encoded) for one value: form (exploded or not), spaceDelimited,
// pipeDelimited and deepObject, as OpenAPI serialises query parameters and form fields.
std::vector<std::pair<std::string, std::string>> styled_pairs(std::string_view name, std::string_view style, bool explode,
                                                              bool allow_reserved, const boost::json::value& value);

// application/x-www-form-urlencoded: each field by its encoding (default style form, explode true: arrays
// repeat the name, objects give one pair per property).
std::string form_urlencode(const boost::json::object& fields, const FieldEncodings& encodings = {});

struct EncodedBody {
    std::string body;
    std::string content_type;  // with the boundary parameter
};

// multipart/form-data from an object: scalars become text parts, {filename, content | base64, contentType?}
// a file part (base64 is decoded), {base64} a part of those bytes, arrays one part per item with the same name, objects a JSON part;
// a field whose encoding gives a style is split into parts the way form_urlencode splits it into pairs,
// and an encoding's contentType becomes the part's Content-Type. The boundary never occurs in the content.
Expected<EncodedBody> multipart_form(const boost::json::object& fields, const FieldEncodings& encodings = {});

// One cookie parameter as Cookie header pairs (style form, the only cookie style): "name=value",
// arrays "name=a,b" or, exploded, "name=a; name=b"; objects "name=k,v" or, exploded, "k=v; k2=v2".
// Values are percent-encoded, so no value can end the pair or start another.
std::string serialize_cookie(std::string_view name, bool explode, const boost::json::value& value);

// A file given in a form body: {filename, content | base64, contentType?}.
bool is_file_field(const boost::json::value& value);

// {"base64": "..."} (the only key): the decoded bytes; nullopt when `value` is not such an object,
// an Error when the text is not valid base64.
std::optional<Expected<std::string>> base64_field(const boost::json::value& value);

}  // namespace mamute::upstream
