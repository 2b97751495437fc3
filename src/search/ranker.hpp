#pragma once
// Endpoint ranking for search-endpoints: BM25F over method, path segments, operationId, summary,
// description, tags and parameter names, with a small table of general API synonyms and prefix
// matching. Built once per spec at load time, immutable afterwards, read by every thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"

namespace mamute::search {

// Where a word was found. Field weights favour summary, path and operationId over prose.
enum class Field : std::size_t { path, operation_id, summary, tags, parameters, description, method };
inline constexpr std::size_t kFieldCount = 7;
std::string_view field_name(Field field);  // "path", "operationId", "summary", ...

struct Query {
    std::string text;                // trimmed pattern, for exact operationId / path matches
    std::vector<std::string> terms;  // unique stems, stop words removed (unless nothing else is left)
    std::vector<std::string> words;  // the query word each term came from (lower case), for "why it matched"
    std::vector<std::vector<std::string>> related;  // per term: synonym stems from the vocabulary table
};
Query parse_query(std::string_view pattern);

struct Hit {
    std::size_t operation = 0;  // index into Spec::operations
    double score = 0;
    bool exact = false;                // the pattern is this operation's operationId, path or "METHOD /path"
    bool all_terms = false;            // every query word that occurs anywhere in the spec matches here
    std::vector<Field> matched;        // fields with at least one query word, in Field order
    std::vector<std::string> terms;    // query words that matched (directly, by prefix or by synonym)
};

class SearchIndex {
public:
    static SearchIndex build(const std::vector<catalog::Operation>& operations);

    // Best first: exact matches, then by score (BM25F scaled by the share of query words matched).
    // `accept`, when given, keeps only the operations it returns true for (method/tag filters).
    std::vector<Hit> search(const Query& query, std::size_t limit,
                            const std::function<bool(std::size_t)>& accept = {}) const;

    std::size_t size() const { return docs_.size(); }

private:
    struct Posting {
        std::uint32_t doc;
        std::uint16_t field;
        std::uint16_t count;
    };
    struct Doc {
        // Indexed fields: the reported ones plus the verb a summary starts with (reported as summary).
        static constexpr std::size_t kIndexed = kFieldCount + 1;
        std::array<float, kIndexed> norm{};  // BM25 length normalisation per field
        std::string method;                    // lower case
        std::string path;                      // lower case, trailing slashes trimmed
        std::string operation_id;              // lower case
    };
    // Sorted vocabulary of stems and, for each, where it occurs.
    std::vector<std::string> vocabulary_;
    std::vector<std::vector<Posting>> postings_;
    std::vector<Doc> docs_;

    std::ptrdiff_t find_term(const std::string& term) const;
};

}  // namespace mamute::search
