// Spec::find_operation and Spec::match_path: from what an agent typed to an Operation.
#include <algorithm>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/text.hpp"

namespace mamute::catalog {

namespace {

std::string_view without_trailing_slash(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path;
}

// "/a/{id}/b" and "/a/{x}/b" are the same template.
std::string without_param_names(std::string_view path) {
    std::string out;
    bool in_param = false;
    for (char c : without_trailing_slash(path)) {
        if (c == '{') {
            in_param = true;
            out += "{}";
        } else if (c == '}') {
            in_param = false;
        } else if (!in_param) {
            out += c;
        }
    }
    return out;
}

std::vector<std::string_view> split_segments(std::string_view path) {
    path = without_trailing_slash(path);
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    std::vector<std::string_view> segments;
    if (path.empty()) return segments;
    std::size_t start = 0;
    while (true) {
        std::size_t slash = path.find('/', start);
        segments.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return segments;
}

// A template segment as alternating literal text and parameter names: "v{major}.{minor}".
struct Piece {
    std::string_view text;
    bool is_param;
};

std::vector<Piece> split_pieces(std::string_view segment) {
    std::vector<Piece> pieces;
    std::size_t pos = 0;
    while (pos < segment.size()) {
        std::size_t open = segment.find('{', pos);
        std::size_t close = open == std::string_view::npos ? open : segment.find('}', open);
        if (close == std::string_view::npos) {
            pieces.push_back({segment.substr(pos), false});
            break;
        }
        if (open > pos) pieces.push_back({segment.substr(pos, open - pos), false});
        pieces.push_back({segment.substr(open + 1, close - open - 1), true});
        pos = close + 1;
    }
    return pieces;
}

// Backtracking over where each parameter ends; segments are short, so this stays cheap.
bool match_pieces(const std::vector<Piece>& pieces, std::size_t index, std::string_view text,
                  std::map<std::string, std::string>& captured) {
    if (index == pieces.size()) return text.empty();
    const Piece& piece = pieces[index];
    if (!piece.is_param) {
        if (!text.starts_with(piece.text)) return false;
        return match_pieces(pieces, index + 1, text.substr(piece.text.size()), captured);
    }
    if (index + 1 == pieces.size()) {  // the last piece takes the rest
        if (text.empty()) return false;   // a parameter never matches nothing
        captured[std::string(piece.text)] = percent_decode(text);
        return true;
    }
    // Failed branches may leave stale captures behind; a later success overwrites every one of them.
    for (std::size_t end = 1; end <= text.size(); ++end) {
        captured[std::string(piece.text)] = percent_decode(text.substr(0, end));
        if (match_pieces(pieces, index + 1, text.substr(end), captured)) return true;
    }
    return false;
}

// Literal segment 2, mixed literal+parameter 1, bare parameter 0; compared left to right, so the
// template with the earliest more-literal segment wins.
int segment_rank(std::string_view segment) {
    if (segment.find('{') == std::string_view::npos) return 2;
    return segment.front() == '{' && segment.back() == '}' && segment.find('}') == segment.size() - 1 ? 0 : 1;
}

// The concrete path, without query, fragment, scheme and host.
std::string_view bare_path(std::string_view concrete) {
    if (auto scheme = concrete.find("://"); scheme != std::string_view::npos && scheme < concrete.find('/')) {
        auto slash = concrete.find('/', scheme + 3);
        concrete = slash == std::string_view::npos ? std::string_view("/") : concrete.substr(slash);
    }
    if (auto cut = concrete.find_first_of("?#"); cut != std::string_view::npos) concrete = concrete.substr(0, cut);
    return concrete;
}

// Path part of a server URL ("https://api.x.com/v1" -> "/v1"), empty when it has none.
std::string_view server_base_path(std::string_view url) {
    std::string_view path = bare_path(url);
    if (url.find("://") == std::string_view::npos && !url.starts_with("/")) return {};
    return without_trailing_slash(path) == "/" ? std::string_view{} : without_trailing_slash(path);
}

std::optional<PathMatch> match_segments(const std::vector<Operation>& operations, std::string_view method,
                                        std::string_view path) {
    auto concrete = split_segments(path);
    std::optional<PathMatch> best;
    std::vector<int> best_rank;
    for (const auto& op : operations) {
        if (!iequals(op.method, method)) continue;
        auto segments = split_segments(op.path);
        if (segments.size() != concrete.size()) continue;
        PathMatch match{&op, {}};
        std::vector<int> rank;
        bool ok = true;
        for (std::size_t i = 0; ok && i < segments.size(); ++i) {
            int r = segment_rank(segments[i]);
            rank.push_back(r);
            if (r == 2)
                ok = segments[i] == concrete[i] || segments[i] == percent_decode(concrete[i]);
            else if (r == 1 && concrete[i].size() > 1024)  // backtracking guard for mixed segments
                ok = false;
            else
                ok = match_pieces(split_pieces(segments[i]), 0, concrete[i], match.path_params);
        }
        if (ok && (!best || rank > best_rank)) {
            best = std::move(match);
            best_rank = std::move(rank);
        }
    }
    return best;
}

}  // namespace

const Operation* Spec::find_operation(std::string_view method, std::string_view path_template) const {
    for (const auto& op : operations)
        if (op.path == path_template && iequals(op.method, method)) return &op;
    std::string_view trimmed = without_trailing_slash(path_template);
    for (const auto& op : operations)
        if (without_trailing_slash(op.path) == trimmed && iequals(op.method, method)) return &op;
    std::string normalised = without_param_names(path_template);
    for (const auto& op : operations)
        if (iequals(op.method, method) && without_param_names(op.path) == normalised) return &op;
    return nullptr;
}

std::optional<PathMatch> Spec::match_path(std::string_view method, std::string_view concrete_path) const {
    std::string_view path = bare_path(concrete_path);
    if (auto match = match_segments(operations, method, path)) return match;
    // A full URL carries the server's base path ("/v1/pets" for server ".../v1"): drop it and retry.
    for (const auto& server : servers) {
        std::string_view base = server_base_path(server.url);
        if (base.empty() || !path.starts_with(base)) continue;
        std::string_view rest = path.substr(base.size());
        if (!rest.empty() && rest.front() != '/') continue;
        if (auto match = match_segments(operations, method, rest.empty() ? std::string_view("/") : rest))
            return match;
    }
    return std::nullopt;
}

}  // namespace mamute::catalog
