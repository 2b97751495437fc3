#include "search/tokenizer.hpp"

#include "common/encoding.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mamute::search {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Non-ASCII bytes (UTF-8) stay inside words; they are never split on or case-folded.
bool is_token_char(char c) { return is_word_char(c) || (static_cast<unsigned char>(c) & 0x80) != 0; }

}  // namespace

std::string stem(std::string_view word) {
    std::string w(word);
    auto ends_with = [&](std::string_view suffix) { return w.size() >= suffix.size() && w.ends_with(suffix); };
    auto undouble = [&] {  // "mapped" -> "mapp" -> "map"; "billing" keeps its "ll"
        std::size_t n = w.size();
        if (n > 3 && w[n - 1] == w[n - 2] && is_lower(w[n - 1]) && std::string_view("aeioulsz").find(w[n - 1]) ==
                                                                            std::string_view::npos)
            w.pop_back();
    };
    // Plurals.
    if (w.size() > 4 && ends_with("ies")) {
        w.resize(w.size() - 3);
        w += 'y';
    } else if (w.size() > 3 && ends_with("s") && !ends_with("ss") && !ends_with("us") && !ends_with("is")) {
        w.pop_back();
    }
    // Simple verb forms: "applied" -> apply, "caching"/"cached" -> cach (as "cache"), "enabled" -> enabl.
    if (w.size() > 4 && ends_with("ied")) {
        w.resize(w.size() - 3);
        w += 'y';
    } else if (w.size() > 5 && ends_with("ing")) {
        w.resize(w.size() - 3);
        undouble();
    } else if (w.size() > 4 && ends_with("ed") && !ends_with("eed")) {
        w.resize(w.size() - 2);
        undouble();
    }
    // Agent nouns: "reviewer" -> review, "follower" -> follow, "provider" -> provid (as "provide").
    else if (w.size() > 6 && ends_with("er") && !ends_with("eer")) {
        w.resize(w.size() - 2);
    }
    if (w.size() > 3 && w.back() == 'e') w.pop_back();
    return w;
}

bool is_stop_word(std::string_view word) {
    static constexpr std::string_view kStopWords[] = {
        "a",     "an",   "the",  "to",   "of",   "for",  "in",   "on",    "at",     "by",   "with", "and",
        "or",    "is",   "are",  "be",   "my",   "me",   "i",    "how",   "do",     "does", "can",  "what",
        "which", "this", "that", "it",   "from", "into", "some", "want",  "please", "using", "via", "endpoint",
        "endpoints", "we", "our", "your", "you", "am",  "was",  "were",  "did",    "has",  "have", "there",
        "here",  "so",   "its",  "s",  "m",  "just", "need", "about", "should", "would", "could", "let"};
    return std::find(std::begin(kStopWords), std::end(kStopWords), word) != std::end(kStopWords);
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> tokens;
    auto flush = [&](std::string_view word) {
        if (word.empty()) return;
        const std::string lower = ascii_lower(word);
        tokens.push_back(std::move(lower));
    };
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || !is_token_char(text[i])) {
            flush(text.substr(start, i - start));
            start = i + 1;
            continue;
        }
        if (i == start) continue;
        char prev = text[i - 1];
        char next = i + 1 < text.size() ? text[i + 1] : '\0';
        // camelCase: "purgeCache" splits before C; "HTTPServer" splits before the S of "Server".
        bool boundary = (is_lower(prev) && is_upper(text[i])) || (is_upper(prev) && is_upper(text[i]) && is_lower(next));
        if (boundary) {
            flush(text.substr(start, i - start));
            start = i;
        }
    }
    return tokens;
}

std::vector<std::string> tokenize(std::string_view text) {
    auto words = split_words(text);
    for (auto& word : words) word = stem(word);
    return words;
}

}  // namespace mamute::search
