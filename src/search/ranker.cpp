#include "search/ranker.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "search/tokenizer.hpp"

namespace mamute::search {

namespace {

constexpr std::array<double, kFieldCount> kWeights = {3.0, 3.0, 3.0, 2.0, 1.0, 1.0, 1.0};
constexpr double kPrefixFactor = 0.5;        // "cert" finding "certificate" counts, but less
constexpr double kSecondaryFieldFactor = 0.2;  // a word found in several fields counts a bit more
constexpr std::size_t kMinPrefixLength = 3;
constexpr std::size_t kMaxTerms = 32;

// The verbs people use for each method, so "create bucket" prefers POST and "remove" DELETE.
std::string_view method_words(std::string_view method) {
    if (method == "get") return "get list retrieve fetch read show find";
    if (method == "post") return "post create add new generate make submit";
    if (method == "put") return "put update replace modify set change edit";
    if (method == "patch") return "patch update modify change edit";
    if (method == "delete") return "delete remove revoke destroy";
    return method;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim_slash(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path;
}

void add_tokens(std::vector<std::string>& field, std::string_view text) {
    for (auto& token : tokenize(text)) field.push_back(std::move(token));
}

// 0: absent; 1: a token equals the term; kPrefixFactor: a token starts with it.
double field_match(const std::vector<std::string>& tokens, const std::string& term) {
    auto it = std::lower_bound(tokens.begin(), tokens.end(), term);
    if (it == tokens.end()) return 0;
    if (*it == term) return 1;
    if (term.size() >= kMinPrefixLength && it->starts_with(term)) return kPrefixFactor;
    return 0;
}

}  // namespace

std::string_view field_name(Field field) {
    static constexpr std::array<std::string_view, kFieldCount> kNames = {
        "path", "operationId", "summary", "tags", "parameters", "description", "method"};
    return kNames[static_cast<std::size_t>(field)];
}

Query parse_query(std::string_view pattern) {
    Query query;
    auto first = pattern.find_first_not_of(" \t\r\n");
    auto last = pattern.find_last_not_of(" \t\r\n");
    if (first != std::string_view::npos) query.text = std::string(pattern.substr(first, last - first + 1));
    auto words = split_words(query.text);
    std::vector<std::string> kept;
    for (const auto& word : words)
        if (!is_stop_word(word)) kept.push_back(word);
    if (kept.empty()) kept = words;  // "how to" alone: better than searching for nothing
    for (const auto& word : kept) {
        if (query.terms.size() >= kMaxTerms) break;  // bounds the per-query work
        std::string term = stem(word);
        if (std::find(query.terms.begin(), query.terms.end(), term) == query.terms.end())
            query.terms.push_back(std::move(term));
    }
    return query;
}

SearchIndex SearchIndex::build(const std::vector<catalog::Operation>& operations) {
    SearchIndex index;
    index.docs_.reserve(operations.size());
    for (const auto& op : operations) {
        Doc doc;
        auto field = [&](Field f) -> std::vector<std::string>& { return doc.fields[static_cast<std::size_t>(f)]; };
        // Literal path segments only: "{id}" says nothing about what the endpoint does.
        std::string_view path = op.path;
        for (std::size_t pos = 0; pos < path.size();) {
            std::size_t open = path.find('{', pos);
            std::size_t close = open == std::string_view::npos ? open : path.find('}', open);
            add_tokens(field(Field::path), path.substr(pos, open == std::string_view::npos ? open : open - pos));
            if (close == std::string_view::npos) break;
            add_tokens(field(Field::parameters), path.substr(open + 1, close - open - 1));
            pos = close + 1;
        }
        add_tokens(field(Field::operation_id), op.operation_id);
        add_tokens(field(Field::summary), op.summary);
        for (const auto& tag : op.tags) add_tokens(field(Field::tags), tag);
        for (const auto& param : op.parameters) add_tokens(field(Field::parameters), param.name);
        add_tokens(field(Field::description), op.description);
        add_tokens(field(Field::method), method_words(op.method));
        for (auto& tokens : doc.fields) {
            std::sort(tokens.begin(), tokens.end());
            tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
        }
        doc.method = lower(op.method);
        doc.path = op.path;
        doc.operation_id = lower(op.operation_id);
        index.docs_.push_back(std::move(doc));
    }
    return index;
}

std::vector<Hit> SearchIndex::search(const Query& query, std::size_t limit) const {
    std::vector<Hit> hits;
    if (query.terms.empty() || limit == 0) return hits;

    // "METHOD /path", "/path" or an operationId typed verbatim.
    std::string text = lower(query.text);
    std::string exact_method, exact_path = text;
    if (auto space = text.find(' '); space != std::string::npos && text.find('/') == space + 1) {
        exact_method = text.substr(0, space);
        exact_path = text.substr(space + 1);
    }
    exact_path = std::string(trim_slash(exact_path));

    // match[d][t][f]: how well term t matches field f of doc d.
    const std::size_t term_count = query.terms.size();
    std::vector<double> match(docs_.size() * term_count * kFieldCount, 0.0);
    std::vector<std::size_t> doc_frequency(term_count, 0);
    for (std::size_t d = 0; d < docs_.size(); ++d) {
        for (std::size_t t = 0; t < term_count; ++t) {
            bool any = false;
            for (std::size_t f = 0; f < kFieldCount; ++f) {
                double m = field_match(docs_[d].fields[f], query.terms[t]);
                match[(d * term_count + t) * kFieldCount + f] = m;
                any = any || m > 0;
            }
            if (any) ++doc_frequency[t];
        }
    }
    // Words no operation contains (typos, chatter) do not count against anyone.
    std::size_t known_terms = std::count_if(doc_frequency.begin(), doc_frequency.end(), [](auto n) { return n > 0; });

    const double total = static_cast<double>(docs_.size());
    for (std::size_t d = 0; d < docs_.size(); ++d) {
        const Doc& doc = docs_[d];
        Hit hit;
        hit.operation = d;
        std::array<bool, kFieldCount> fields_hit{};
        std::size_t terms_hit = 0;
        for (std::size_t t = 0; t < term_count; ++t) {
            if (doc_frequency[t] == 0) continue;
            double idf = std::log(1.0 + total / static_cast<double>(doc_frequency[t]));
            double best = 0, rest = 0;
            for (std::size_t f = 0; f < kFieldCount; ++f) {
                double m = match[(d * term_count + t) * kFieldCount + f] * kWeights[f];
                if (m <= 0) continue;
                fields_hit[f] = true;
                rest += m;
                best = std::max(best, m);
            }
            if (best <= 0) continue;
            ++terms_hit;
            hit.score += idf * (best + kSecondaryFieldFactor * (rest - best));
        }
        hit.exact = (!doc.operation_id.empty() && doc.operation_id == text) ||
                    (trim_slash(lower(doc.path)) == exact_path && (exact_method.empty() || exact_method == doc.method));
        if (terms_hit == 0 && !hit.exact) continue;
        hit.all_terms = known_terms > 0 && terms_hit == known_terms;
        for (std::size_t f = 0; f < kFieldCount; ++f)
            if (fields_hit[f]) hit.matched.push_back(static_cast<Field>(f));
        hits.push_back(std::move(hit));
    }

    auto better = [](const Hit& a, const Hit& b) {
        if (a.exact != b.exact) return a.exact;
        if (a.all_terms != b.all_terms) return a.all_terms;
        if (a.score != b.score) return a.score > b.score;
        return a.operation < b.operation;
    };
    if (hits.size() > limit) {
        std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(limit), hits.end(), better);
        hits.resize(limit);
    } else {
        std::sort(hits.begin(), hits.end(), better);
    }
    return hits;
}

}  // namespace mamute::search
