#include "catalog/document.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <filesystem>
#include <fstream>

#include "catalog/catalog.hpp"

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

Expected<json::value> parse_document(std::string_view text, const std::string& source) {
    if (text.size() > max_document_bytes) return make_error(size_limit_message(source, text.size()));
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return make_error(source + ": document is empty");
    if (text.compare(first, 3, "\xEF\xBB\xBF") == 0) first += 3;  // tolerate a UTF-8 byte order mark
    if (text[first] != '{')
        return make_error(source + ": not a JSON object (YAML documents are not supported yet)");

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

}  // namespace mamute::catalog
