#include "upstream/redirect.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

bool is_followable_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string> same_origin_target(const Origin& origin, std::string_view target, std::string_view location) {
    const std::string base_text = origin.to_string() + std::string(target);  // base views into it
    const auto base = boost::urls::parse_uri(base_text);
    const auto reference = boost::urls::parse_uri_reference(location);
    if (!base || !reference) return std::nullopt;
    boost::urls::url resolved;
    if (!boost::urls::resolve(*base, *reference, resolved)) return std::nullopt;
    // Dots, also percent-encoded ones, are resolved here, not left to the API's router to read its own way.
    resolved.normalize_path();
    // parse_http_url normalises what matters here (case of scheme and host, default port) and refuses userinfo.
    const auto parsed = parse_http_url(resolved.buffer());
    if (!parsed) return std::nullopt;
    const auto& to = parsed->origin;
    if (to.scheme != origin.scheme || !iequals(to.host, origin.host) || to.port != origin.port) return std::nullopt;
    std::string out = parsed->path.empty() ? "/" : parsed->path;
    // Boost.URL keeps ".." segments that would climb above the root; RFC 3986 (5.2.4) drops them.
    while (out.starts_with("/../")) out.erase(0, 3);
    if (out == "/..") out = "/";
    if (!parsed->query.empty()) out += "?" + parsed->query;
    if (out.front() != '/' ||
        std::any_of(out.begin(), out.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7F; }))
        return std::nullopt;
    return out;
}

void apply_redirect(Request& request, unsigned status, std::string new_target) {
    request.target = std::move(new_target);
    const bool to_get = (status == 303 && request.method != "GET" && request.method != "HEAD") ||
                        ((status == 301 || status == 302) && request.method == "POST");
    if (!to_get) return;
    request.method = "GET";
    request.body.clear();
    std::erase_if(request.headers, [](const auto& header) {
        const auto& name = header.first;
        return name.size() >= 8 && iequals(std::string_view(name).substr(0, 8), "content-");
    });
}

}  // namespace mamute::upstream
