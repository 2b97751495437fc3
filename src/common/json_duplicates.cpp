#include "common/json_duplicates.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <unordered_set>
#include <vector>

namespace mamute {

namespace json = boost::json;

namespace {

// SAX handler: one set of names per open object; stops at the first name seen twice in the same one.
struct DuplicateFinder {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::vector<std::unordered_set<std::string>> open_objects;
    std::string key;  // the name being read, which may come in parts
    std::optional<std::string> duplicate;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code&) { return true; }
    bool on_array_end(std::size_t, json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) {
        open_objects.emplace_back();
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) {
        open_objects.pop_back();
        return true;
    }
    bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
    bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
        key.append(part.data(), part.size());
        return true;
    }
    bool on_key(json::string_view last, std::size_t, json::error_code& ec) {
        key.append(last.data(), last.size());
        const bool fresh = open_objects.back().insert(key).second;
        if (!fresh) {
            duplicate = key;
            ec = json::error::syntax;  // stops the parser; `duplicate` says why
        }
        key.clear();
        return fresh;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
    bool on_double(double, json::string_view, json::error_code&) { return true; }
    bool on_bool(bool, json::error_code&) { return true; }
    bool on_null(json::error_code&) { return true; }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

std::optional<std::string> first_duplicate_key(std::string_view json_text) {
    json::basic_parser<DuplicateFinder> parser{json::parse_options{}};
    json::error_code ec;
    parser.write_some(false, json_text.data(), json_text.size(), ec);
    return parser.handler().duplicate;
}

}  // namespace mamute
