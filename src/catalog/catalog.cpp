#include "catalog/catalog.hpp"

#include <algorithm>
#include <boost/json/object.hpp>

#include "catalog/document.hpp"
#include "catalog/openapi3.hpp"
#include "catalog/text.hpp"
#include "search/ranker.hpp"

namespace mamute::catalog {

namespace json = boost::json;

namespace {

std::string quoted_titles(const Catalog& catalog) {
    std::string out;
    for (const auto& spec : catalog.specs) {
        if (!out.empty()) out += ", ";
        out += '"' + spec->title + '"';
    }
    return out;
}

}  // namespace

Expected<const Spec*> Catalog::find(std::string_view title) const {
    if (specs.empty()) return make_error("no API specs are loaded");
    if (title.empty()) {
        if (specs.size() == 1) return specs.front().get();
        return make_error("several specs are loaded, so \"title\" is required; one of: " + quoted_titles(*this));
    }
    for (const auto& spec : specs)
        if (spec->title == title) return spec.get();
    // Agents often get the case wrong; accept that when it is unambiguous.
    const Spec* found = nullptr;
    for (const auto& spec : specs) {
        if (!iequals(spec->title, title)) continue;
        if (found) {
            found = nullptr;
            break;
        }
        found = spec.get();
    }
    if (found) return found;
    return make_error("unknown spec title \"" + shorten(title) + "\"; loaded specs: " + quoted_titles(*this));
}

Expected<Spec> load_spec(std::string_view text, const std::string& source) {
    auto document = parse_document(text, source);
    if (!document) return document.error();
    const auto& root = document->as_object();  // parse_document only accepts objects
    // Each dialect gets its own reader producing the same Spec (Swagger 2.0 comes later).
    if (root.contains("swagger"))
        return make_error(source + ": /swagger: Swagger 2.0 documents are not supported yet (OpenAPI 3.0/3.1 are)");
    const auto* version = root.if_contains("openapi");
    if (!version || !version->is_string() || !version->get_string().starts_with("3."))
        return make_error(source + ": /openapi: not an OpenAPI 3.x document (expected \"openapi\": \"3.0.x\" or \"3.1.x\")");
    auto spec = read_openapi3(std::move(*document), source);
    if (!spec) return spec;
    spec->search_index = std::make_shared<const search::SearchIndex>(search::SearchIndex::build(spec->operations));
    return spec;
}

Expected<Spec> load_spec_file(const std::string& path) {
    auto text = read_document_file(path);
    if (!text) return text.error();
    return load_spec(*text, path);
}

Expected<Catalog> load_catalog(const std::vector<std::string>& files) {
    Catalog catalog;
    for (const auto& file : files) {
        auto spec = load_spec_file(file);
        if (!spec) return spec.error();
        for (const auto& existing : catalog.specs) {
            if (existing->title == spec->title)
                return make_error("duplicate spec title \"" + spec->title + "\" in " + existing->source + " and " +
                                  file + "; titles identify specs, so they must be unique");
        }
        catalog.specs.push_back(std::make_shared<const Spec>(std::move(*spec)));
    }
    return catalog;
}

}  // namespace mamute::catalog
