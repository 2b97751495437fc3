#include "search/ranker.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "common/encoding.hpp"
#include "search/tokenizer.hpp"
#include "search/vocabulary.hpp"

namespace mamute::search {

namespace {

// BM25F: per-field weights and length normalisation, one saturation over the weighted sum.
// Fields in Field order, then the verb a summary starts with ("Star a repository"), reported as summary.
constexpr std::size_t kIndexed = kFieldCount + 1;
constexpr std::size_t kAction = kFieldCount;
constexpr std::array<double, kIndexed> kWeights = {2.0, 2.0, 3.0, 1.0, 0.5, 0.5, 1.0, 1.0};
constexpr std::array<double, kIndexed> kLengthB = {0.5, 0.5, 0.75, 0.3, 0.75, 0.75, 0.0, 0.0};
constexpr double kK1 = 1.2;
constexpr double kPrefixFactor = 0.5;   // "cert" finding "certificate" counts, but less
constexpr double kRelatedFactor = 0.35;  // "remove" finding "delete" counts, but less than the word itself
constexpr double kProseFactor = 0.3;    // ... and less again in descriptions and parameter names
constexpr std::size_t kMinPrefixLength = 3;
constexpr std::size_t kMaxPrefixExpansions = 16;
constexpr std::size_t kMaxTerms = 32;

// The verbs people use for each method, so "create bucket" prefers POST and "remove" DELETE.
std::string_view method_words(std::string_view method) {
    // One canonical verb or two; the vocabulary table carries the synonyms ("remove" -> delete).
    if (method == "get") return "get list";
    if (method == "post") return "post create";
    if (method == "put") return "put update replace";
    if (method == "patch") return "patch update";
    if (method == "delete") return "delete";
    return method;
}

std::string_view trim_slash(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path;
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
    // A glob in the pattern ("/assets/img/*") asks for pattern-based operations.
    if (query.text.find('*') != std::string::npos && query.text.find(' ') != std::string::npos)
        kept.push_back("wildcard");
    for (const auto& word : kept) {
        if (query.terms.size() >= kMaxTerms) break;  // bounds the per-query work
        std::string term = stem(word);
        if (std::find(query.terms.begin(), query.terms.end(), term) != query.terms.end()) continue;
        query.related.push_back(related_stems(term));
        query.terms.push_back(std::move(term));
        query.words.push_back(word);
    }
    return query;
}

SearchIndex SearchIndex::build(const std::vector<catalog::Operation>& operations) {
    SearchIndex index;
    // term -> doc -> counts per field
    std::map<std::string, std::map<std::uint32_t, std::array<std::uint16_t, kIndexed>>> counts;
    std::vector<std::array<std::size_t, kIndexed>> lengths(operations.size());
    std::array<double, kIndexed> total_length{};

    for (std::size_t d = 0; d < operations.size(); ++d) {
        const auto& op = operations[d];
        auto add_to = [&](std::size_t f, std::string_view text) {
            for (auto& token : tokenize(text)) {
                auto& slot = counts[token][static_cast<std::uint32_t>(d)][f];
                if (slot < 0xffff) ++slot;
                ++lengths[d][f];
            }
        };
        auto add = [&](Field f, std::string_view text) { add_to(static_cast<std::size_t>(f), text); };
        // Literal path segments only: "{id}" says nothing about what the endpoint does; its name is a parameter.
        std::string_view path = op.path;
        for (std::size_t pos = 0; pos < path.size();) {
            std::size_t open = path.find('{', pos);
            std::size_t close = open == std::string_view::npos ? open : path.find('}', open);
            add(Field::path, path.substr(pos, open == std::string_view::npos ? open : open - pos));
            if (close == std::string_view::npos) break;
            add(Field::parameters, path.substr(open + 1, close - open - 1));
            pos = close + 1;
        }
        add(Field::operation_id, op.operation_id);
        add(Field::summary, op.summary);
        for (const auto& tag : op.tags) add(Field::tags, tag);
        for (const auto& param : op.parameters)
            if (param.in != "path") add(Field::parameters, param.name);  // path ones are in already
        add(Field::description, op.description);
        add(Field::method, method_words(op.method));
        // The verb a summary starts with ("Star a repository", "Request reviewers") is what the operation does.
        if (auto words = split_words(op.summary); !words.empty()) add_to(kAction, words.front());
        for (std::size_t f = 0; f < kIndexed; ++f) total_length[f] += static_cast<double>(lengths[d][f]);

        Doc doc;
        doc.method = ascii_lower(op.method);
        doc.path = std::string(trim_slash(ascii_lower(op.path)));
        doc.operation_id = ascii_lower(op.operation_id);
        index.docs_.push_back(std::move(doc));
    }

    const double n = std::max<double>(1.0, static_cast<double>(operations.size()));
    for (std::size_t d = 0; d < index.docs_.size(); ++d)
        for (std::size_t f = 0; f < kIndexed; ++f) {
            double average = std::max(1.0, total_length[f] / n);
            index.docs_[d].norm[f] =
                static_cast<float>(1.0 - kLengthB[f] + kLengthB[f] * static_cast<double>(lengths[d][f]) / average);
        }

    index.vocabulary_.reserve(counts.size());
    index.postings_.reserve(counts.size());
    for (auto& [term, docs] : counts) {
        index.vocabulary_.push_back(term);
        auto& list = index.postings_.emplace_back();
        for (const auto& [doc, per_field] : docs)
            for (std::size_t f = 0; f < kIndexed; ++f)
                if (per_field[f] > 0) list.push_back({doc, static_cast<std::uint16_t>(f), per_field[f]});
    }
    return index;
}

std::ptrdiff_t SearchIndex::find_term(const std::string& term) const {
    auto it = std::lower_bound(vocabulary_.begin(), vocabulary_.end(), term);
    if (it == vocabulary_.end() || *it != term) return -1;
    return it - vocabulary_.begin();
}

std::vector<Hit> SearchIndex::search(const Query& query, std::size_t limit,
                                     const std::function<bool(std::size_t)>& accept) const {
    std::vector<Hit> hits;
    if (query.terms.empty() || limit == 0) return hits;

    // "METHOD /path", "/path" or an operationId typed verbatim.
    std::string text = ascii_lower(query.text);
    std::string exact_method, exact_path = text;
    if (auto space = text.find(' '); space != std::string::npos && text.find('/') == space + 1) {
        exact_method = text.substr(0, space);
        exact_path = text.substr(space + 1);
    }
    exact_path = std::string(trim_slash(exact_path));

    // Each query term is a group: the stem itself, longer words it is a prefix of, related stems. The
    // group's weighted term frequency saturates once (BM25F); its idf counts documents matching any of them.
    const std::size_t groups = query.terms.size();
    const std::size_t docs = docs_.size();
    std::vector<float> tf(docs * groups, 0.0f);
    std::vector<std::uint8_t> fields(docs, 0);
    // Prefixes and related words count mostly where an endpoint names what it does, little in its prose.
    constexpr unsigned kProse = (1u << static_cast<unsigned>(Field::description)) | (1u << static_cast<unsigned>(Field::parameters));
    auto accumulate = [&](std::size_t g, std::size_t term_index, double factor) {
        for (const auto& p : postings_[term_index]) {
            double f = factor < 1.0 && ((1u << p.field) & kProse) ? factor * kProseFactor : factor;
            tf[p.doc * groups + g] += static_cast<float>(f * kWeights[p.field] * p.count / docs_[p.doc].norm[p.field]);
            auto reported = p.field == kAction ? static_cast<unsigned>(Field::summary) : p.field;
            fields[p.doc] = static_cast<std::uint8_t>(fields[p.doc] | (1u << reported));
        }
    };
    for (std::size_t g = 0; g < groups; ++g) {
        const std::string& term = query.terms[g];
        auto it = std::lower_bound(vocabulary_.begin(), vocabulary_.end(), term);
        std::size_t expansions = 0;
        for (; it != vocabulary_.end() && it->starts_with(term); ++it) {
            bool same = *it == term;
            if (!same && (term.size() < kMinPrefixLength || expansions++ >= kMaxPrefixExpansions)) break;
            accumulate(g, static_cast<std::size_t>(it - vocabulary_.begin()), same ? 1.0 : kPrefixFactor);
        }
        for (const auto& related : query.related[g])
            if (auto index = find_term(related); index >= 0) accumulate(g, static_cast<std::size_t>(index), kRelatedFactor);
    }

    std::vector<double> idf(groups, 0.0);
    std::size_t known_groups = 0;  // words no operation contains (typos, chatter) do not count against anyone
    for (std::size_t g = 0; g < groups; ++g) {
        std::size_t df = 0;
        for (std::size_t d = 0; d < docs; ++d) df += tf[d * groups + g] > 0 ? 1 : 0;
        if (df == 0) continue;
        ++known_groups;
        idf[g] = std::log(1.0 + (static_cast<double>(docs) - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
    }

    // Score every candidate first and explain only the ones kept: the "why it matched" lists are
    // allocations, and a broad query has most of the spec as candidates.
    struct Candidate {
        std::size_t doc;
        double score;
        bool exact;
        bool all_terms;
    };
    std::vector<Candidate> candidates;
    for (std::size_t d = 0; d < docs; ++d) {
        const Doc& doc = docs_[d];
        bool exact = (!doc.operation_id.empty() && doc.operation_id == text) ||
                     (doc.path == exact_path && (exact_method.empty() || exact_method == doc.method));
        if (fields[d] == 0 && !exact) continue;
        if (accept && !accept(d)) continue;
        double score = 0;
        std::size_t matched_groups = 0;
        for (std::size_t g = 0; g < groups; ++g) {
            double t = tf[d * groups + g];
            if (t <= 0) continue;
            ++matched_groups;
            score += idf[g] * t * (kK1 + 1) / (kK1 + t);
        }
        if (matched_groups == 0 && !exact) continue;
        // Covering more of the query beats matching one word very well.
        double coverage = known_groups == 0 ? 0 : static_cast<double>(matched_groups) / static_cast<double>(known_groups);
        candidates.push_back({d, score * coverage, exact, known_groups > 0 && matched_groups == known_groups});
    }

    auto better = [](const Candidate& a, const Candidate& b) {
        if (a.exact != b.exact) return a.exact;
        if (a.score != b.score) return a.score > b.score;
        return a.doc < b.doc;
    };
    if (candidates.size() > limit) {
        std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(limit), candidates.end(),
                          better);
        candidates.resize(limit);
    } else {
        std::sort(candidates.begin(), candidates.end(), better);
    }

    hits.reserve(candidates.size());
    for (const auto& candidate : candidates) {
        const std::size_t d = candidate.doc;
        Hit hit;
        hit.operation = d;
        hit.score = candidate.score;
        hit.exact = candidate.exact;
        hit.all_terms = candidate.all_terms;
        for (std::size_t g = 0; g < groups; ++g)
            if (tf[d * groups + g] > 0) hit.terms.push_back(query.words[g]);
        for (std::size_t f = 0; f < kFieldCount; ++f)
            if (fields[d] & (1u << f)) hit.matched.push_back(static_cast<Field>(f));
        hits.push_back(std::move(hit));
    }
    return hits;
}

}  // namespace mamute::search
