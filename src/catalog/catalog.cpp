#include "catalog/catalog.hpp"

#include <atomic>
#include <optional>
#include <thread>

#include <algorithm>
#include <boost/json/object.hpp>
#include <cctype>
#include <filesystem>

#include "catalog/document.hpp"
#include "catalog/openapi3.hpp"
#include "catalog/swagger2.hpp"
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

namespace {

// "3.0.3" as written, or a YAML number (openapi: 3.1) read as one.
std::string version_text(const json::value& value) {
    if (const auto* text = value.if_string()) return std::string(*text);
    return number_text(value);
}

bool is_spec_file(const std::filesystem::path& path) {
    auto extension = path.extension().string();
    for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension == ".json" || extension == ".yaml" || extension == ".yml";
}

// Files to load, folders expanded (sorted by name, not recursive).
std::vector<std::string> expand_paths(const std::vector<std::string>& paths, std::vector<SpecLoadError>& errors) {
    std::vector<std::string> files;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!std::filesystem::is_directory(path, ec)) {
            files.push_back(path);
            continue;
        }
        std::vector<std::string> found;
        for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
            std::error_code type_ec;
            if (it->is_regular_file(type_ec) && is_spec_file(it->path())) found.push_back(it->path().string());
        }
        if (ec) {
            errors.push_back({path, path + ": cannot list the folder: " + ec.message()});
            continue;
        }
        if (found.empty()) {
            errors.push_back({path, path + ": the folder has no .json, .yaml or .yml files"});
            continue;
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

}  // namespace

Expected<Spec> load_spec(std::string_view text, const std::string& source) {
    auto document = parse_document(text, source);
    if (!document) return document.error();
    const auto& root = document->as_object();  // parse_document only accepts objects
    // Each dialect gets its own reader producing the same Spec: Swagger 2.0 by way of OpenAPI 3.0.
    std::string dialect;
    if (const auto* swagger = root.if_contains("swagger")) {
        dialect = version_text(*swagger);
        if (!dialect.starts_with("2."))
            return make_error(source + ": /swagger: unsupported Swagger version \"" + dialect +
                              "\" (2.0, OpenAPI 3.0 and 3.1 are supported)");
        auto converted = swagger2_to_openapi3(*document, source);
        if (!converted) return converted.error();
        document = std::move(*converted);
    } else {
        const auto* version = root.if_contains("openapi");
        if (version) dialect = version_text(*version);
        if (!dialect.starts_with("3."))
            return make_error(source +
                              ": /openapi: not an OpenAPI 3.x document (expected \"openapi\": \"3.0.x\" or \"3.1.x\", "
                              "or \"swagger\": \"2.0\")");
    }
    auto spec = read_openapi3(std::move(*document), source);
    if (!spec) return spec;
    spec->openapi_version = dialect;
    spec->search_index = std::make_shared<const search::SearchIndex>(search::SearchIndex::build(spec->operations));
    return spec;
}

Expected<Spec> load_spec_file(const std::string& path) {
    auto text = read_document_file(path);
    if (!text) return text.error();
    return load_spec(*text, path);
}

CatalogLoad load_catalog_report(const std::vector<std::string>& paths) {
    CatalogLoad result;
    const auto files = expand_paths(paths, result.errors);
    // Files parse and index independently, so they load on every core; results are then taken in
    // the given order, so which of two clashing titles wins does not depend on timing.
    std::vector<std::optional<Expected<Spec>>> loaded(files.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
            try {
                loaded[i].emplace(load_spec_file(files[i]));
            } catch (const std::bad_alloc&) {
                // One spec too big for memory must not take the others down.
                loaded[i].emplace(make_error(files[i] + ": out of memory while loading the spec"));
            }
        }
    };
    const auto workers = std::min<std::size_t>(files.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers; ++i) threads.emplace_back(work);
    work();
    for (auto& thread : threads) thread.join();

    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& file = files[i];
        auto& spec = *loaded[i];
        if (!spec) {
            result.errors.push_back({file, spec.error().message});
            continue;
        }
        auto clash = std::find_if(result.catalog.specs.begin(), result.catalog.specs.end(),
                                  [&](const auto& existing) { return existing->title == spec->title; });
        if (clash != result.catalog.specs.end()) {
            result.errors.push_back({file, file + ": /info/title: duplicate spec title \"" + spec->title +
                                               "\", already loaded from " + (*clash)->source +
                                               "; titles identify specs, so they must be unique"});
            continue;
        }
        result.catalog.specs.push_back(std::make_shared<const Spec>(std::move(*spec)));
    }
    return result;
}

Expected<Catalog> load_catalog(const std::vector<std::string>& files) {
    auto result = load_catalog_report(files);
    if (!result.errors.empty()) return make_error(result.errors.front().message);
    return std::move(result.catalog);
}

}  // namespace mamute::catalog
