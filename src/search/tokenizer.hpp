#pragma once
// Words out of API text: "purgeCacheByURL", "purge_cache", "purge-cache" and "Purge caches" all
// give {"purge", "cache", ...}. The same function is used for queries and for the index, so
// stems only need to be consistent, not pretty.
#include <string>
#include <string_view>
#include <vector>

namespace mamute::search {

// Splits on anything that is not a letter or digit, and on camelCase boundaries
// ("HTTPServer" -> http, server); lower-cases. Keeps duplicates, in order.
std::vector<std::string> split_words(std::string_view text);

// split_words() with every word stemmed.
std::vector<std::string> tokenize(std::string_view text);

// Plural, simple verb-form and agent-noun folding on an already lower-cased word: policies -> policy,
// caches/cached/caching -> cach, mapped -> map, reviewers -> review; a trailing "e" is dropped too so
// "cache" and "caches" meet.
std::string stem(std::string_view word);

// Filler words a natural-language query carries ("how do I purge the cache for a url").
bool is_stop_word(std::string_view word);

}  // namespace mamute::search
