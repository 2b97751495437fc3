// The five read-only tools. Each one: check arguments, look up the catalog, answer compact JSON.
// Argument names follow ReadMe's hosted MCP server so existing prompts keep working.
#include "toolset/read_tools.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>

#include <boost/json/serialize.hpp>

#include "catalog/describe.hpp"
#include "common/encoding.hpp"
#include "catalog/text.hpp"
#include "search/ranker.hpp"
#include "toolset/json_schema.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::toolset {

namespace json = boost::json;
using catalog::Catalog;
using catalog::Operation;
using catalog::shorten;
using catalog::Spec;

namespace {

constexpr std::size_t kDefaultSearchLimit = 10;
constexpr std::size_t kMaxSearchLimit = 50;
constexpr std::size_t kDefaultListLimit = 100;
constexpr std::size_t kMaxListLimit = 200;
constexpr std::size_t kDefaultSchemaDepth = 6;
constexpr std::size_t kMaxSchemaDepth = 32;
constexpr std::size_t kMaxExampleBytes = 2000;
constexpr std::size_t kSchemaBudgetBytes = 24000;  // default get-endpoint answers stay under ~6k tokens
constexpr std::size_t kShortDescription = 200;
constexpr std::array<std::string_view, 8> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
constexpr std::string_view kMethodChoices = "one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE";

// ---- tool definitions -------------------------------------------------------------------------

json::object annotations() {
    return {{"readOnlyHint", true}, {"destructiveHint", false}, {"idempotentHint", true}, {"openWorldHint", false}};
}

json::object title_property() {
    return {{"type", "string"},
            {"description", "Spec title as returned by list-specs. May be omitted when only one spec is loaded."}};
}

json::object definition(std::string_view name, std::string_view title, std::string_view description,
                        json::object properties, json::array required, json::object output_schema) {
    return {{"name", name},
            {"title", title},
            {"description", description},
            {"inputSchema",
             {{"type", "object"},
              {"properties", std::move(properties)},
              {"required", std::move(required)},
              {"additionalProperties", false}}},
            {"outputSchema", std::move(output_schema)},
            {"annotations", annotations()}};
}

// ---- output schemas: what the results below contain -------------------------------------------

json::object endpoint_summary_schema() {
    return schema::object({{"method", schema::string("HTTP method, upper case")},
                           {"path", schema::string("Path template")},
                           {"summary", schema::string()},
                           {"operationId", schema::string()},
                           {"deprecated", schema::boolean()}},
                          {"method", "path", "summary"});
}

json::object server_variable_schema() {
    return schema::object({{"default", schema::string()},
                           {"enum", schema::array_of(schema::string())},
                           {"description", schema::string()}},
                          {"default"});
}

json::object server_schema() {
    return schema::object({{"url", schema::string("URL template; {name} stands for a server variable")},
                           {"description", schema::string()},
                           {"variables", schema::map_of(server_variable_schema())}},
                          {"url"});
}

// ---- arguments --------------------------------------------------------------------------------

// Arguments the tool's inputSchema does not list (it says additionalProperties: false) are refused.
template <json::object (*Definition)()>
std::optional<std::string> unknown_args(const json::object& args) {
    static const json::object definition = Definition();
    static const std::vector<std::string> accepted = argument_names(definition);
    return unknown_arguments(args, std::string_view(definition.at("name").as_string()), accepted);
}

// A bad argument value as an agent would recognise it: numbers in their shortest round-trip form (not
// Boost's 1E2), anything else as JSON; cut to 200 bytes.
std::string shown(const json::value& value) {
    if (value.is_number()) return *upstream::scalar_to_string(value);
    return shorten(json::serialize(value));
}

// An optional string argument: absent or null gives "", any other non-string is an error.
Expected<std::string> string_arg(const json::object& args, std::string_view name, std::string_view expected) {
    const auto* value = args.if_contains(name);
    if (!value || value->is_null()) return std::string{};
    if (const auto* text = value->if_string()) return std::string(*text);
    return make_error("argument \"" + std::string(name) + "\" must be a string: " + std::string(expected));
}

Expected<const Spec*> spec_arg(const Catalog& catalog, const json::object& args) {
    auto title = string_arg(args, "title", "the spec title from list-specs");
    if (!title) return title.error();
    return catalog.find(*title);
}

std::string short_text(const std::string& text) {
    // First paragraph, cut at a word boundary: enough to tell specs apart.
    std::string out = text.substr(0, text.find("\n\n"));
    std::replace(out.begin(), out.end(), '\n', ' ');
    if (out.size() > kShortDescription) {
        auto cut = out.rfind(' ', kShortDescription);
        out.resize(cut == std::string::npos || cut < kShortDescription / 2 ? kShortDescription : cut);
        out += "...";
    }
    return out;
}

json::object endpoint_summary(const Operation& op) {
    json::object out{{"method", ascii_upper(op.method)}, {"path", op.path}, {"summary", op.summary}};
    if (!op.operation_id.empty()) out["operationId"] = op.operation_id;
    if (op.deprecated) out["deprecated"] = true;
    return out;
}

// An integer from 1 to `max`, as the inputSchema says: anything else is refused, never capped.
// Integral numbers count whatever their JSON spelling (5.0, 1e1), as in JSON Schema.
Expected<std::size_t> bounded_arg(const json::object& args, std::string_view name, std::size_t fallback,
                                  std::size_t max) {
    const auto* value = args.if_contains(name);
    if (!value || value->is_null()) return fallback;
    std::optional<std::size_t> out;
    if (const auto* number = value->if_int64(); number && *number >= 1 && *number <= std::int64_t(max))
        out = static_cast<std::size_t>(*number);
    else if (const auto* unsigned_number = value->if_uint64(); unsigned_number && *unsigned_number >= 1 &&
                                                                *unsigned_number <= max)
        out = static_cast<std::size_t>(*unsigned_number);
    else if (const auto* real = value->if_double();
             real && *real >= 1 && *real <= double(max) && std::floor(*real) == *real)
        out = static_cast<std::size_t>(*real);
    if (!out)
        return make_error("argument \"" + std::string(name) + "\" must be an integer from 1 to " +
                          std::to_string(max) + "; got " + shown(*value));
    return *out;
}

Expected<std::size_t> limit_arg(const json::object& args) {
    return bounded_arg(args, "limit", kDefaultSearchLimit, kMaxSearchLimit);
}

}  // namespace

// ---- list-specs -------------------------------------------------------------------------------

json::object list_specs_definition() {
    return definition("list-specs", "List API specs",
                      "Lists the API specifications this server has loaded: title, version, short description, "
                      "number of operations and base server URLs. Call it first to learn the `title` the other "
                      "tools take. Result: {specs: [...]}.",
                      {}, {},
                      schema::object({{"specs", schema::array_of(schema::object(
                                                    {{"title", schema::string("The `title` the other tools take")},
                                                     {"version", schema::string()},
                                                     {"description", schema::string("First paragraph, shortened")},
                                                     {"operations", schema::integer("Number of operations")},
                                                     {"servers", schema::array_of(schema::string(), "Base URLs")}},
                                                    {"title", "version", "description", "operations", "servers"}))}},
                                     {"specs"}));
}

ToolResult list_specs(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<list_specs_definition>(args)) return error_result(*unknown);
    json::array specs;
    for (const auto& spec : catalog.specs) {
        json::array servers;
        for (const auto& server : spec->servers) servers.push_back(json::string(server.url));
        specs.push_back(json::object{{"title", spec->title},
                                     {"version", spec->version},
                                     {"description", short_text(spec->description)},
                                     {"operations", spec->operations.size()},
                                     {"servers", std::move(servers)}});
    }
    return structured_result(json::object{{"specs", std::move(specs)}});
}

// ---- list-endpoints ---------------------------------------------------------------------------

json::object list_endpoints_definition() {
    return definition(
        "list-endpoints", "List endpoints",
        "Lists the endpoints (HTTP method, path, summary, operationId) of one API spec, grouped by tag, a page at "
        "a time: pass `nextCursor` back as `cursor` for the next page. `allTags` gives every tag with its number "
        "of endpoints, so a `tag` filter can narrow a large API. To find an endpoint for a task, search-endpoints "
        "is quicker. Call get-endpoint for the parameters and schemas of one endpoint.",
        {{"title", title_property()},
         {"tag", {{"type", "string"}, {"description", "Only list endpoints with this tag (case-insensitive)."}}},
         {"cursor", {{"type", "string"}, {"description", "`nextCursor` from the previous page; omit for the first page."}}},
         {"limit",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", kMaxListLimit},
           {"default", kDefaultListLimit},
           {"description", "Endpoints per page: an integer from 1 to 200."}}}},
        {},
        schema::object(
            {{"title", schema::string("Spec title")},
             {"operations", schema::integer("Number of distinct endpoints on this page")},
             {"total", schema::integer("Number of endpoints matching the filter, over all pages")},
             {"tags", schema::array_of(schema::object({{"tag", schema::string("Tag name; untagged endpoints under \"default\"")},
                                                       {"endpoints", schema::array_of(endpoint_summary_schema())}},
                                                      {"tag", "endpoints"}))},
             {"allTags", schema::array_of(schema::object({{"tag", schema::string()},
                                                          {"endpoints", schema::integer("Endpoints with this tag")}},
                                                         {"tag", "endpoints"}),
                                          "Every tag of the spec, in listing order")},
             {"nextCursor", schema::string("Pass as `cursor` for the next page; absent on the last page")}},
            {"title", "operations", "total", "tags", "allTags"}));
}

namespace {

// Cursors are opaque to agents: base64url of "v1|<offset>|<title>|<tag filter>", checked when they come back.
std::string list_cursor(std::size_t offset, const std::string& title, const std::string& tag) {
    return base64_encode("v1|" + std::to_string(offset) + "|" + title + "|" + tag, Base64Alphabet::url);
}

std::optional<std::size_t> parse_list_cursor(std::string_view cursor, const std::string& title, const std::string& tag) {
    auto text = base64_decode(cursor, Base64Alphabet::url);
    if (!text || !text->starts_with("v1|")) return std::nullopt;
    auto bar = text->find('|', 3);
    if (bar == std::string::npos || bar == 3 || bar > 12) return std::nullopt;
    std::size_t offset = 0;
    for (std::size_t i = 3; i < bar; ++i) {
        char c = (*text)[i];
        if (c < '0' || c > '9') return std::nullopt;
        offset = offset * 10 + static_cast<std::size_t>(c - '0');
    }
    if (text->substr(bar + 1) != title + "|" + tag) return std::nullopt;
    return offset;
}

}  // namespace

ToolResult list_endpoints(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<list_endpoints_definition>(args)) return error_result(*unknown);
    auto spec = spec_arg(catalog, args);
    if (!spec) return error_result(spec.error().message);
    auto tag_filter = string_arg(args, "tag", "a tag name from a previous list-endpoints result");
    if (!tag_filter) return error_result(tag_filter.error().message);
    auto cursor = string_arg(args, "cursor", "the nextCursor of a previous list-endpoints result");
    if (!cursor) return error_result(cursor.error().message);
    auto limit = bounded_arg(args, "limit", kDefaultListLimit, kMaxListLimit);
    if (!limit) return error_result(limit.error().message);

    // Groups in the order of the document's top-level tags, then in order of first use.
    std::vector<std::string> order;
    for (const auto& tag : (*spec)->tags) order.push_back(tag.name);
    std::vector<std::vector<const Operation*>> groups(order.size());
    auto group_of = [&](const std::string& tag) -> std::vector<const Operation*>& {
        auto it = std::find(order.begin(), order.end(), tag);
        if (it != order.end()) return groups[static_cast<std::size_t>(it - order.begin())];
        order.push_back(tag);
        return groups.emplace_back();
    };
    for (const auto& op : (*spec)->operations) {
        if (op.tags.empty()) group_of("default").push_back(&op);
        for (const auto& tag : op.tags) group_of(tag).push_back(&op);
    }

    // Every (group, endpoint) entry the filter keeps, in listing order; a page is a slice of them.
    json::array all_tags;
    std::vector<std::pair<std::size_t, const Operation*>> entries;
    std::vector<const Operation*> distinct;
    std::string known;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (groups[i].empty()) continue;
        known += (known.empty() ? "\"" : ", \"") + order[i] + "\"";
        all_tags.push_back(json::object{{"tag", order[i]}, {"endpoints", groups[i].size()}});
        if (!tag_filter->empty() && ascii_lower(order[i]) != ascii_lower(*tag_filter)) continue;
        for (const auto* op : groups[i]) {
            entries.emplace_back(i, op);
            if (std::find(distinct.begin(), distinct.end(), op) == distinct.end()) distinct.push_back(op);
        }
    }
    if (!tag_filter->empty() && entries.empty())
        return error_result("no tag \"" + shorten(*tag_filter) + "\" in \"" + (*spec)->title + "\"; tags: " + known);

    std::size_t offset = 0;
    const std::string tag_key = ascii_lower(*tag_filter);
    if (!cursor->empty()) {
        auto parsed = parse_list_cursor(*cursor, (*spec)->title, tag_key);
        if (!parsed || *parsed >= entries.size())
            return error_result("argument \"cursor\" is not a nextCursor of list-endpoints for this spec and tag: \"" +
                                shorten(*cursor) + "\"; omit it to start from the first page");
        offset = *parsed;
    }
    std::size_t end = std::min(entries.size(), offset + *limit);

    json::array tags;
    std::vector<const Operation*> listed;
    for (std::size_t k = offset; k < end; ++k) {
        auto [group, op] = entries[k];
        if (tags.empty() || k == offset || entries[k - 1].first != group)
            tags.push_back(json::object{{"tag", order[group]}, {"endpoints", json::array{}}});
        tags.back().as_object()["endpoints"].as_array().push_back(endpoint_summary(*op));
        if (std::find(listed.begin(), listed.end(), op) == listed.end()) listed.push_back(op);
    }
    json::object out{{"title", (*spec)->title},
                     {"operations", listed.size()},
                     {"total", distinct.size()},
                     {"tags", std::move(tags)},
                     {"allTags", std::move(all_tags)}};
    if (end < entries.size()) out["nextCursor"] = list_cursor(end, (*spec)->title, tag_key);
    return structured_result(std::move(out));
}

// ---- search-endpoints -------------------------------------------------------------------------

json::object search_endpoints_definition() {
    return definition(
        "search-endpoints", "Search endpoints",
        "Finds endpoints for keywords or a short description of the task (\"purge cache url\", \"create dns "
        "record\"), across all loaded specs unless `title` is given. Returns {results: [...]}, best matches first: "
        "title, method, path, summary, operationId, score (0-100, relative to the best hit), the fields that "
        "matched and the query words found. An exact operationId or path ranks first. Filter with `method` or "
        "`tag`. Follow up with get-endpoint.",
        {{"pattern", {{"type", "string"}, {"description", "Keywords, an operationId or a path."}}},
         {"title", {{"type", "string"}, {"description", "Only search this spec (title from list-specs)."}}},
         {"method", {{"type", "string"}, {"description", "Only endpoints with this HTTP method (any case)."}}},
         {"tag", {{"type", "string"}, {"description", "Only endpoints with this tag (case-insensitive)."}}},
         {"limit",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", kMaxSearchLimit},
           {"default", kDefaultSearchLimit},
           {"description", "Maximum number of results: an integer from 1 to 50 (other values are refused)."}}}},
        {"pattern"},
        schema::object(
            {{"results",
              schema::array_of(
                  schema::object({{"title", schema::string("Spec title")},
                                  {"method", schema::string("HTTP method, upper case")},
                                  {"path", schema::string("Path template")},
                                  {"summary", schema::string()},
                                  {"operationId", schema::string()},
                                  {"score", [] {
                                       auto score = schema::integer("0-100, relative to the best hit");
                                       score["minimum"] = 0;
                                       score["maximum"] = 100;
                                       return score;
                                   }()},
                                  {"matched", schema::array_of(schema::string(), "Fields the pattern matched")},
                                  {"terms", schema::array_of(schema::string(),
                                                             "Query words found (directly, as a prefix or a synonym)")}},
                                 {"title", "method", "path", "summary", "score", "matched"}),
                  "Best match first; empty when nothing matched")}},
            {"results"}));
}

namespace {

struct RankedHit {
    const Spec* spec;
    search::Hit hit;
};

// Optional filters: "" accepts every operation.
struct SearchFilter {
    std::string method;  // lower case
    std::string tag;     // lower case
};

std::vector<RankedHit> ranked_hits(const std::vector<const Spec*>& specs, std::string_view pattern,
                                   std::size_t limit, const SearchFilter& filter = {}) {
    auto query = search::parse_query(pattern);
    std::vector<RankedHit> all;
    for (const auto* spec : specs) {
        if (!spec->search_index) continue;
        std::function<bool(std::size_t)> accept;
        if (!filter.method.empty() || !filter.tag.empty())
            accept = [spec, &filter](std::size_t i) {
                const Operation& op = spec->operations[i];
                if (!filter.method.empty() && op.method != filter.method) return false;
                if (filter.tag.empty()) return true;
                return std::any_of(op.tags.begin(), op.tags.end(),
                                   [&](const std::string& tag) { return ascii_lower(tag) == filter.tag; });
            };
        for (auto& hit : spec->search_index->search(query, limit, accept)) all.push_back({spec, std::move(hit)});
    }
    std::stable_sort(all.begin(), all.end(), [](const RankedHit& a, const RankedHit& b) {
        if (a.hit.exact != b.hit.exact) return a.hit.exact;
        return a.hit.score > b.hit.score;
    });
    if (all.size() > limit) all.resize(limit);
    return all;
}

}  // namespace

ToolResult search_endpoints(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<search_endpoints_definition>(args)) return error_result(*unknown);
    const auto* pattern_value = args.if_contains("pattern");
    if (!pattern_value || pattern_value->is_null())
        return error_result("argument \"pattern\" is required: a string of keywords, an operationId or a path");
    if (!pattern_value->is_string())
        return error_result("argument \"pattern\" must be a string: keywords, an operationId or a path");
    std::string pattern(pattern_value->get_string());
    if (pattern.find_first_not_of(" \t\r\n") == std::string::npos)
        return error_result("argument \"pattern\" is empty: give keywords such as \"purge cache url\"");
    auto limit = limit_arg(args);
    if (!limit) return error_result(limit.error().message);
    auto title = string_arg(args, "title", "the spec title from list-specs");
    if (!title) return error_result(title.error().message);
    auto method = string_arg(args, "method", kMethodChoices);
    if (!method) return error_result(method.error().message);
    SearchFilter filter{ascii_lower(*method), {}};
    if (!filter.method.empty() && std::find(kMethods.begin(), kMethods.end(), filter.method) == kMethods.end())
        return error_result("argument \"method\" must be " + std::string(kMethodChoices) + "; got \"" +
                            shorten(*method) + "\"");
    auto tag = string_arg(args, "tag", "a tag name from list-endpoints");
    if (!tag) return error_result(tag.error().message);
    filter.tag = ascii_lower(*tag);

    std::vector<const Spec*> specs;
    if (title->empty()) {
        for (const auto& spec : catalog.specs) specs.push_back(spec.get());
    } else {
        auto spec = catalog.find(*title);
        if (!spec) return error_result(spec.error().message);
        specs.push_back(*spec);
    }

    if (!filter.tag.empty()) {
        // An unknown tag is a mistake to point out, as list-endpoints does, not an empty answer.
        std::vector<std::string> known;
        bool found = false;
        for (const Spec* spec : specs)
            for (const auto& op : spec->operations)
                for (const auto& op_tag : op.tags) {
                    found = found || ascii_lower(op_tag) == filter.tag;
                    if (std::find(known.begin(), known.end(), op_tag) == known.end() && known.size() < 50)
                        known.push_back(op_tag);
                }
        if (!found) {
            std::string list;
            for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
            return error_result("no endpoint has the tag \"" + shorten(*tag) + "\"; tags: " +
                                (list.empty() ? "(none)" : list));
        }
    }

    auto hits = ranked_hits(specs, pattern, *limit, filter);
    // Scores are shown relative to the best hit (0-100): raw scores mean nothing to an agent, and
    // Boost.JSON would print them as 5.356E1.
    double best = 0;
    for (const auto& ranked : hits) best = std::max(best, ranked.hit.score);
    json::array results;
    results.reserve(hits.size());
    for (const auto& [spec, hit] : hits) {
        const Operation& op = spec->operations[hit.operation];
        json::array matched;
        matched.reserve(hit.matched.size());
        for (auto field : hit.matched) matched.emplace_back(search::field_name(field));
        json::array terms;
        terms.reserve(hit.terms.size());
        for (const auto& term : hit.terms) terms.emplace_back(term);
        json::object entry(8);  // sized once: this loop is most of a search's allocations
        entry.emplace("title", spec->title);
        entry.emplace("method", ascii_upper(op.method));
        entry.emplace("path", op.path);
        entry.emplace("summary", op.summary);
        if (!op.operation_id.empty()) entry.emplace("operationId", op.operation_id);
        const std::int64_t score = hit.exact || best <= 0 ? 100 : std::lround(100 * hit.score / best);
        entry.emplace("score", score);
        entry.emplace("matched", std::move(matched));
        entry.emplace("terms", std::move(terms));
        results.push_back(std::move(entry));
    }
    return structured_result(json::object{{"results", std::move(results)}});
}

// ---- get-endpoint -----------------------------------------------------------------------------

json::object get_endpoint_definition() {
    return definition(
        "get-endpoint", "Get endpoint details",
        "Returns everything needed to call one endpoint: parameters (location, required, schema, "
        "style/explode when not the default), the request body per media type, responses per status, security "
        "requirements with the scheme definitions they name, and the effective server URLs. $refs are resolved; "
        "recursive schemas show as {\"$ref\": ..., \"x-circular\": true}. Schemas nest at most `depth` levels "
        "(default 6, fewer when the answer would be very large; `schemaDepth` says how many); deeper levels are "
        "replaced by {\"x-truncated\": ...} and long examples are left out. `path` is "
        "the template from list-endpoints or search-endpoints; a concrete path such as /cdn/resource/42 also works.",
        {{"title", title_property()},
         {"path", {{"type", "string"}, {"description", "Path template, e.g. /cdn/resource/{id}."}}},
         {"method", {{"type", "string"}, {"description", "HTTP method, any case: GET, POST, PUT, DELETE, ..."}}},
         {"depth",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", kMaxSchemaDepth},
           {"default", kDefaultSchemaDepth},
           {"description", "How many levels of nested schemas to show: an integer from 1 to 32."}}}},
        {"path", "method"},
        schema::object(
            {{"title", schema::string("Spec title")},
             {"method", schema::string("HTTP method, upper case")},
             {"path", schema::string("Path template")},
             {"operationId", schema::string()},
             {"summary", schema::string()},
             {"description", schema::string()},
             {"tags", schema::array_of(schema::string())},
             {"deprecated", schema::boolean()},
             {"parameters",
              schema::array_of(schema::object({{"name", schema::string()},
                                               {"in", schema::string("path, query, header or cookie")},
                                               {"required", schema::boolean()},
                                               {"description", schema::string()},
                                               {"schema", schema::any("JSON Schema of the value, $refs resolved")},
                                               {"style", schema::string()},
                                               {"explode", schema::boolean()},
                                               {"allowReserved", schema::boolean()},
                                               {"example", schema::any("Example value from the spec")}},
                                              {"name", "in", "required"}))},
             {"requestBody", schema::typed("object", "OpenAPI request body object: content per media type")},
             {"responses", schema::typed("object", "OpenAPI responses object: one entry per status code")},
             {"security",
              schema::object({{"requirements",
                               schema::array_of(schema::any("{scheme name: [scopes]}, as in the spec"),
                                                "Alternatives: any one suffices; empty when no auth is needed")},
                              {"schemes", schema::typed("object", "The security schemes named, by name")}},
                             {"requirements", "schemes"})},
             {"servers", schema::array_of(server_schema(), "Effective server URLs of this operation")},
             {"pathParams", schema::map_of(schema::string(), "Values captured from a concrete path")},
             {"schemaDepth", schema::integer("Levels of nested schemas shown; deeper ones are marked x-truncated")}},
            {"title", "method", "path", "parameters", "responses", "security", "servers"}));
}

namespace {

constexpr std::string_view kTruncated = "deeper levels omitted; ask get-endpoint with a larger depth";

// Keys whose value is one subschema, a map of subschemas or a list of subschemas (JSON Schema 2020-12 and
// OpenAPI 3.0). Composition (allOf/anyOf/oneOf) does not deepen the data, so its members keep the level.
constexpr std::array<std::string_view, 11> kSubschema = {"items", "additionalProperties", "not", "if", "then", "else",
                                                         "contains", "propertyNames", "unevaluatedItems",
                                                         "unevaluatedProperties", "additionalItems"};
constexpr std::array<std::string_view, 5> kSubschemaMaps = {"properties", "patternProperties", "$defs", "definitions",
                                                            "dependentSchemas"};
constexpr std::array<std::string_view, 4> kSubschemaLists = {"allOf", "anyOf", "oneOf", "prefixItems"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool has_nested(const json::object& schema) {
    for (const auto& [key, value] : schema)
        if ((among(kSubschema, key) && value.is_object()) || among(kSubschemaMaps, key) || among(kSubschemaLists, key))
            return true;
    return false;
}

// An example bigger than kMaxExampleBytes says less than it costs; it is replaced by a note.
json::value bounded_example(const json::value& example) {
    auto size = json::serialize(example).size();
    if (size <= kMaxExampleBytes) return example;
    return json::string("(example of " + std::to_string(size) + " bytes omitted)");
}

// A copy of `schema` with nested schemas below `depth` levels cut and marked.
json::value bound_schema(const json::value& schema, std::size_t level, std::size_t depth) {
    const auto* object = schema.if_object();
    if (!object) return schema;
    if (level >= depth && has_nested(*object)) {
        json::object cut;
        for (auto key : {"type", "title", "format", "$ref", "nullable"})
            if (const auto* value = object->if_contains(key)) cut[key] = *value;
        if (const auto* description = object->if_contains("description"); description && description->is_string())
            cut["description"] = shorten(description->get_string(), 200);
        cut["x-truncated"] = kTruncated;
        return cut;
    }
    json::object out;
    for (const auto& [key, value] : *object) {
        if (among(kSubschema, key)) {
            out[key] = bound_schema(value, level + 1, depth);
        } else if (among(kSubschemaMaps, key) && value.is_object()) {
            json::object members;
            for (const auto& [name, member] : value.get_object()) members[name] = bound_schema(member, level + 1, depth);
            out[key] = std::move(members);
        } else if (among(kSubschemaLists, key) && value.is_array()) {
            json::array members;
            std::size_t next = key == "prefixItems" ? level + 1 : level;
            for (const auto& member : value.get_array()) members.push_back(bound_schema(member, next, depth));
            out[key] = std::move(members);
        } else if (key == "example" || key == "examples") {
            out[key] = bounded_example(value);
        } else {
            out[key] = value;
        }
    }
    return out;
}

// Copies that bound as they go: the schemas are read once from the source and never copied whole
// first (get-endpoint may try several depths, and GitHub's schemas are hundreds of kilobytes).

// A media-type object ({schema, example, examples, encoding}) with its schema and examples bounded.
json::value bounded_media(const json::value& entry, std::size_t depth) {
    const auto* media = entry.if_object();
    if (!media) return entry;
    json::object out;
    for (const auto& [key, value] : *media) {
        if (key == "schema") {
            out[key] = bound_schema(value, 0, depth);
        } else if (key == "example") {
            out[key] = bounded_example(value);
        } else if (key == "examples" && value.is_object()) {
            json::object examples;
            for (const auto& [name, named] : value.get_object()) examples[name] = bounded_example(named);
            out[key] = std::move(examples);
        } else {
            out[key] = value;
        }
    }
    return out;
}

// A request body or response: its content bounded, and (responses) its headers' schemas.
json::value bounded_holder(const json::value& holder, std::size_t depth) {
    const auto* object = holder.if_object();
    if (!object) return holder;
    json::object out;
    for (const auto& [key, value] : *object) {
        if (key == "content" && value.is_object()) {
            json::object content;
            for (const auto& [media_type, entry] : value.get_object()) content[media_type] = bounded_media(entry, depth);
            out[key] = std::move(content);
        } else if (key == "headers" && value.is_object()) {
            json::object headers;
            for (const auto& [name, header] : value.get_object()) {
                const auto* h = header.if_object();
                if (!h || !h->contains("schema")) {
                    headers[name] = header;
                    continue;
                }
                json::object bounded = *h;
                bounded["schema"] = bound_schema(h->at("schema"), 0, depth);
                headers[name] = std::move(bounded);
            }
            out[key] = std::move(headers);
        } else {
            out[key] = value;
        }
    }
    return out;
}

// get-endpoint output with every schema (parameters, request body, responses, response headers) bounded.
json::object bounded_operation(const json::object& described, const Operation& op, std::size_t depth) {
    json::object out;
    for (const auto& [key, value] : described) {
        if (key == "parameters" && value.is_array()) {
            json::array parameters;
            for (const auto& parameter : value.get_array()) {
                const auto* p = parameter.if_object();
                if (!p) {
                    parameters.push_back(parameter);
                    continue;
                }
                json::object bounded;
                for (const auto& [field, member] : *p)
                    bounded[field] = field == "schema"    ? bound_schema(member, 0, depth)
                                     : field == "example" ? bounded_example(member)
                                                          : member;
                parameters.push_back(std::move(bounded));
            }
            out[key] = std::move(parameters);
        } else {
            out[key] = value;
        }
    }
    // The bodies come straight from the operation: never copied whole, only bounded.
    if (!op.request_body.is_null()) out["requestBody"] = bounded_holder(op.request_body, depth);
    json::object responses;
    if (const auto* all = op.responses.if_object())
        for (const auto& [status, response] : *all) responses[status] = bounded_holder(response, depth);
    out["responses"] = std::move(responses);
    return out;
}

// What to suggest when path + method names nothing: the same path's methods, else search hits.
std::string closest_endpoints(const Spec& spec, const std::string& method, const std::string& path) {
    std::string same_path;
    for (auto m : kMethods) {
        const Operation* op = spec.find_operation(m, path);
        if (!op) {
            auto match = spec.match_path(m, path);
            op = match ? match->operation : nullptr;
        }
        if (op) same_path += (same_path.empty() ? "" : ", ") + catalog::operation_label(*op);
    }
    if (!same_path.empty()) return "operations on that path: " + same_path;
    std::string hits;
    for (const auto& [s, hit] : ranked_hits({&spec}, method + " " + path.substr(0, 1000), 5))
        hits += (hits.empty() ? "" : ", ") + catalog::operation_label(s->operations[hit.operation]);
    if (hits.empty()) return "use search-endpoints or list-endpoints to find the path";
    return "closest endpoints: " + hits;
}

}  // namespace

ToolResult get_endpoint(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<get_endpoint_definition>(args)) return error_result(*unknown);
    auto spec = spec_arg(catalog, args);
    if (!spec) return error_result(spec.error().message);
    auto path = string_arg(args, "path", "the endpoint path, e.g. /cdn/resource/{id}");
    if (!path) return error_result(path.error().message);
    if (path->empty()) return error_result("argument \"path\" is required: the endpoint path, e.g. /cdn/resource/{id}");
    if (path->front() != '/' && path->find("://") == std::string::npos) path->insert(0, "/");
    auto method = string_arg(args, "method", kMethodChoices);
    if (!method) return error_result(method.error().message);
    if (method->empty()) return error_result("argument \"method\" is required: " + std::string(kMethodChoices));
    std::string m = ascii_lower(*method);
    if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end())
        return error_result("argument \"method\" must be " + std::string(kMethodChoices) + "; got \"" +
                            shorten(*method) + "\"");

    auto depth = bounded_arg(args, "depth", kDefaultSchemaDepth, kMaxSchemaDepth);
    if (!depth) return error_result(depth.error().message);

    const Spec& s = **spec;
    const Operation* op = s.find_operation(m, *path);
    std::optional<catalog::PathMatch> match;
    if (!op && (match = s.match_path(m, *path))) op = match->operation;
    if (!op)
        return error_result("no " + ascii_upper(m) + " " + shorten(*path) + " in \"" + s.title + "\"; " +
                            closest_endpoints(s, m, *path));
    json::object out{{"title", s.title}};
    for (auto& [key, value] : catalog::describe_operation(s, *op, false)) out[key] = std::move(value);
    // An explicit depth is honoured; by default the deepest depth whose answer fits the byte budget is
    // used. Size only grows with depth, so a binary search needs few renders.
    const bool explicit_depth = args.contains("depth") && !args.at("depth").is_null();
    std::size_t effective = *depth;
    json::object bounded = bounded_operation(out, *op, effective);
    if (!explicit_depth && effective > 1 && json::serialize(bounded).size() > kSchemaBudgetBytes) {
        std::size_t fits = 1, too_big = effective;  // invariant: depth `too_big` is over budget
        std::optional<json::object> best;
        while (too_big - fits > 1) {
            const std::size_t middle = fits + (too_big - fits) / 2;
            auto candidate = bounded_operation(out, *op, middle);
            if (json::serialize(candidate).size() > kSchemaBudgetBytes) {
                too_big = middle;
            } else {
                fits = middle;
                best = std::move(candidate);
            }
        }
        effective = fits;
        bounded = best ? std::move(*best) : bounded_operation(out, *op, 1);
    }
    out = std::move(bounded);
    out["schemaDepth"] = static_cast<std::int64_t>(effective);
    if (match) {
        json::object values;  // what the concrete path filled in
        for (const auto& [name, value] : match->path_params) values[name] = value;
        out["pathParams"] = std::move(values);
    }
    return structured_result(std::move(out));
}

// ---- get-server-variables ---------------------------------------------------------------------

json::object get_server_variables_definition() {
    return definition(
        "get-server-variables", "Get server variables",
        "Lists a spec's server base URLs with their variables (default, allowed values, description), including "
        "servers that only some paths or operations use (with the operations that use them). Use it to build "
        "the absolute URL for execute-request.",
        {{"title", title_property()}}, {},
        schema::object(
            {{"title", schema::string("Spec title")},
             {"servers",
              schema::array_of(schema::object(
                  {{"url", schema::string("URL template; {name} stands for a server variable")},
                   {"description", schema::string()},
                   {"variables", schema::map_of(server_variable_schema(), "By name; empty when none")},
                   {"scope", json::object{{"type", "string"}, {"enum", {"root", "operation"}}}},
                   {"operations", schema::array_of(schema::string(), "For scope operation: the operations using it")},
                   {"moreOperations", schema::integer("How many more operations use it than are listed")}},
                  {"url", "variables", "scope"}))}},
            {"title", "servers"}));
}

ToolResult get_server_variables(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<get_server_variables_definition>(args)) return error_result(*unknown);
    constexpr std::size_t kMaxListed = 20;
    auto spec = spec_arg(catalog, args);
    if (!spec) return error_result(spec.error().message);
    const Spec& s = **spec;

    json::array servers;
    std::vector<std::string> seen;
    auto add = [&](const catalog::Server& server, const Operation* op) {
        auto it = std::find(seen.begin(), seen.end(), server.url);
        if (it == seen.end()) {
            seen.push_back(server.url);
            auto entry = catalog::describe_servers({server}).at(0).as_object();
            if (!entry.contains("variables")) entry["variables"] = json::object{};
            entry["scope"] = op ? "operation" : "root";
            if (op) entry["operations"] = json::array{};
            servers.push_back(std::move(entry));
            it = seen.end() - 1;
        }
        auto& entry = servers[static_cast<std::size_t>(it - seen.begin())].as_object();
        if (!op || !entry.contains("operations")) return;
        auto& ops = entry["operations"].as_array();
        if (ops.size() < kMaxListed)
            ops.push_back(json::string(catalog::operation_label(*op)));
        else if (auto* more = entry["moreOperations"].if_int64())
            ++*more;
        else
            entry["moreOperations"] = 1;
    };
    for (const auto& server : s.servers) add(server, nullptr);
    auto is_root = [&](const catalog::Server& server) {
        return std::any_of(s.servers.begin(), s.servers.end(), [&](const auto& r) { return r.url == server.url; });
    };
    for (const auto& op : s.operations)
        for (const auto& server : op.servers)
            if (!is_root(server)) add(server, &op);
    return structured_result(json::object{{"title", s.title}, {"servers", std::move(servers)}});
}

}  // namespace mamute::toolset
