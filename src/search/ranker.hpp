#pragma once
// Keyword ranking for search-endpoints. Deliberately small: a field-weighted, idf-scaled match
// count, built once per spec and read by every thread. (Full BM25 will replace the scoring; the
// index and Query shapes are what the rest of the code sees.)
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.hpp"

namespace mamute::search {

// Where a word was found. Weights: path, operationId and summary 3; tags 2; the rest 1.
enum class Field : std::size_t { path, operation_id, summary, tags, parameters, description, method };
inline constexpr std::size_t kFieldCount = 7;
std::string_view field_name(Field field);  // "path", "operationId", "summary", ...

struct Query {
    std::string text;                // trimmed pattern, for exact operationId / path matches
    std::vector<std::string> terms;  // unique stems, stop words removed (unless nothing else is left)
};
Query parse_query(std::string_view pattern);

struct Hit {
    std::size_t operation = 0;  // index into Spec::operations
    double score = 0;
    bool exact = false;          // the pattern is this operation's operationId, path or "METHOD /path"
    bool all_terms = false;      // every query word that occurs anywhere in the spec occurs here
    std::vector<Field> matched;  // fields with at least one query word, in Field order
};

class SearchIndex {
public:
    static SearchIndex build(const std::vector<catalog::Operation>& operations);

    // Best first: exact matches, then hits containing every known query word, then by score.
    std::vector<Hit> search(const Query& query, std::size_t limit) const;

    std::size_t size() const { return docs_.size(); }

private:
    struct Doc {
        std::array<std::vector<std::string>, kFieldCount> fields;  // sorted, unique stems
        std::string method;                                        // lower case
        std::string path;
        std::string operation_id;
    };
    std::vector<Doc> docs_;
};

}  // namespace mamute::search
