#pragma once
// OpenAPI parameter styles and non-JSON body encodings. Pure.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

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

// name=value&... with every name and value percent-encoded.
std::string form_urlencode(const boost::json::object& fields);

struct EncodedBody {
    std::string body;
    std::string content_type;  // with the boundary parameter
};

// multipart/form-data from an object: scalars become text parts, {filename, content, contentType?}
// a file part, other objects and arrays a JSON part. The boundary never occurs in the content.
Expected<EncodedBody> multipart_form(const boost::json::object& fields);

}  // namespace mamute::upstream
