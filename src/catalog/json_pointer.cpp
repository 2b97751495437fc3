#include "catalog/json_pointer.hpp"

#include "catalog/text.hpp"

namespace mamute::catalog {

namespace json = boost::json;

std::string escape_pointer_token(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string pointer_append(std::string_view pointer, std::string_view token) {
    std::string out(pointer);
    out += '/';
    out += escape_pointer_token(token);
    return out;
}

std::string pointer_append(std::string_view pointer, std::size_t index) {
    return pointer_append(pointer, std::to_string(index));
}

const json::value* find_local_ref(const json::value& document, std::string_view ref) {
    if (ref.empty() || ref.front() != '#') return nullptr;
    // A "$ref" is a URI, so its fragment may be percent-encoded ("#/paths/~1pets~1%7Bid%7D").
    std::string pointer = percent_decode(ref.substr(1));
    if (pointer.empty()) return &document;
    if (pointer.front() != '/') return nullptr;  // "#anchor" style references are not pointers
    boost::system::error_code ec;
    return document.find_pointer(pointer, ec);
}

}  // namespace mamute::catalog
