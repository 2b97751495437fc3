#include "catalog/document.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <filesystem>
#include <fstream>

#include "catalog/catalog.hpp"
#include "catalog/yaml.hpp"

namespace mamute::catalog {

namespace json = boost::json;

namespace {

std::string size_limit_message(const std::string& source, std::size_t size) {
    return source + ": document is " + std::to_string(size) + " bytes; the limit is " +
           std::to_string(max_document_bytes / (1024 * 1024)) + " MB";
}

}  // namespace

Expected<std::string> read_document_file(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return make_error(path + ": cannot read: " + ec.message());
    if (size > max_document_bytes) return make_error(size_limit_message(path, size));
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(path + ": cannot open for reading");
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size) return make_error(path + ": short read");
    return text;
}

namespace {

Expected<json::value> parse_json(std::string_view text, std::size_t first, const std::string& source) {
    json::parse_options options;
    options.max_depth = 256;  // real specs nest deeper than Boost's default of 32
    json::stream_parser parser({}, options);
    boost::system::error_code ec;
    std::size_t consumed = parser.write(text.data() + first, text.size() - first, ec);
    if (!ec) parser.finish(ec);
    if (ec) {
        // Position of the failure, counted in the original text.
        std::size_t offset = first + consumed;
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return make_error(source + ": invalid JSON at line " + std::to_string(line) + ", column " +
                          std::to_string(column) + ": " + ec.message());
    }
    return parser.release();
}

bool has_yaml_extension(std::string_view source) {
    return source.ends_with(".yaml") || source.ends_with(".yml") || source.ends_with(".YAML") ||
           source.ends_with(".YML");
}

}  // namespace

Expected<json::value> parse_document(std::string_view text, const std::string& source) {
    if (text.size() > max_document_bytes) return make_error(size_limit_message(source, text.size()));
    std::size_t bom = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // tolerate a UTF-8 byte order mark
    std::size_t first = text.find_first_not_of(" \t\r\n", bom);
    if (first == std::string_view::npos) return make_error(source + ": document is empty");

    // JSON when it looks like JSON (a YAML file may still be written in JSON's flow style, and
    // then YAML, a superset, gets the second word); YAML otherwise.
    Expected<json::value> document = make_error("");
    if (text[first] == '{') {
        document = parse_json(text, first, source);
        if (!document && has_yaml_extension(source)) {
            auto yaml = parse_yaml(text.substr(bom), source);
            if (yaml) document = std::move(yaml);
        }
    } else {
        document = parse_yaml(text.substr(bom), source);
    }
    if (!document) return document;
    if (!document->is_object())
        return make_error(source + ": the document is not an object (an OpenAPI document is a mapping at the top)");
    return document;
}

}  // namespace mamute::catalog
