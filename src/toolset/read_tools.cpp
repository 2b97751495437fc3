// The five read-only tools. Each one: check arguments, look up the catalog, answer compact JSON.
// Argument names follow ReadMe's hosted MCP server so existing prompts keep working.
#include "toolset/read_tools.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <boost/json/serialize.hpp>

#include "catalog/describe.hpp"
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

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
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

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

json::object endpoint_summary(const Operation& op) {
    json::object out{{"method", upper(op.method)}, {"path", op.path}, {"summary", op.summary}};
    if (!op.operation_id.empty()) out["operationId"] = op.operation_id;
    if (op.deprecated) out["deprecated"] = true;
    return out;
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
        "Lists the endpoints (HTTP method, path, summary, operationId) of one API spec, grouped by tag; "
        "`operations` counts the endpoints listed. Use it to browse an API; to find an endpoint for a task, "
        "search-endpoints is quicker. Call get-endpoint for the parameters and schemas of one endpoint.",
        {{"title", title_property()},
         {"tag", {{"type", "string"}, {"description", "Only list endpoints with this tag (case-insensitive)."}}}},
        {},
        schema::object(
            {{"title", schema::string("Spec title")},
             {"operations", schema::integer("Number of distinct endpoints listed")},
             {"tags", schema::array_of(schema::object({{"tag", schema::string("Tag name; untagged endpoints under \"default\"")},
                                                       {"endpoints", schema::array_of(endpoint_summary_schema())}},
                                                      {"tag", "endpoints"}))}},
            {"title", "operations", "tags"}));
}

ToolResult list_endpoints(const Catalog& catalog, const json::object& args) {
    if (auto unknown = unknown_args<list_endpoints_definition>(args)) return error_result(*unknown);
    auto spec = spec_arg(catalog, args);
    if (!spec) return error_result(spec.error().message);
    auto tag_filter = string_arg(args, "tag", "a tag name from a previous list-endpoints result");
    if (!tag_filter) return error_result(tag_filter.error().message);

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

    json::array tags;
    std::vector<const Operation*> listed;
    std::string known;
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (groups[i].empty()) continue;
        known += (known.empty() ? "\"" : ", \"") + order[i] + "\"";
        if (!tag_filter->empty() && lower(order[i]) != lower(*tag_filter)) continue;
        json::array endpoints;
        for (const auto* op : groups[i]) {
            endpoints.push_back(endpoint_summary(*op));
            if (std::find(listed.begin(), listed.end(), op) == listed.end()) listed.push_back(op);
        }
        tags.push_back(json::object{{"tag", order[i]}, {"endpoints", std::move(endpoints)}});
    }
    if (!tag_filter->empty() && tags.empty())
        return error_result("no tag \"" + shorten(*tag_filter) + "\" in \"" + (*spec)->title + "\"; tags: " + known);
    return structured_result(
        json::object{{"title", (*spec)->title}, {"operations", listed.size()}, {"tags", std::move(tags)}});
}

// ---- search-endpoints -------------------------------------------------------------------------

json::object search_endpoints_definition() {
    return definition(
        "search-endpoints", "Search endpoints",
        "Finds endpoints for keywords or a short description of the task (\"purge cache url\", \"create dns "
        "record\"), across all loaded specs unless `title` is given. Returns {results: [...]}, best matches first: "
        "title, method, path, summary, operationId, score (0-100, relative to the best hit) and the fields that "
        "matched. An exact operationId or path ranks first. Follow up with get-endpoint.",
        {{"pattern", {{"type", "string"}, {"description", "Keywords, an operationId or a path."}}},
         {"title", {{"type", "string"}, {"description", "Only search this spec (title from list-specs)."}}},
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
                                  {"matched", schema::array_of(schema::string(), "Fields the pattern matched")}},
                                 {"title", "method", "path", "summary", "score", "matched"}),
                  "Best match first; empty when nothing matched")}},
            {"results"}));
}

namespace {

// An integer from 1 to kMaxSearchLimit, as the inputSchema says: anything else is refused, never capped.
// Integral numbers count whatever their JSON spelling (5.0, 1e1), as in JSON Schema.
Expected<std::size_t> limit_arg(const json::object& args) {
    const auto* value = args.if_contains("limit");
    if (!value || value->is_null()) return kDefaultSearchLimit;
    std::optional<std::size_t> limit;
    if (const auto* number = value->if_int64(); number && *number >= 1 && *number <= std::int64_t(kMaxSearchLimit))
        limit = static_cast<std::size_t>(*number);
    else if (const auto* unsigned_number = value->if_uint64(); unsigned_number && *unsigned_number >= 1 &&
                                                                *unsigned_number <= kMaxSearchLimit)
        limit = static_cast<std::size_t>(*unsigned_number);
    else if (const auto* real = value->if_double();
             real && *real >= 1 && *real <= double(kMaxSearchLimit) && std::floor(*real) == *real)
        limit = static_cast<std::size_t>(*real);
    if (!limit)
        return make_error("argument \"limit\" must be an integer from 1 to " + std::to_string(kMaxSearchLimit) +
                          "; got " + shown(*value));
    return *limit;
}

struct RankedHit {
    const Spec* spec;
    search::Hit hit;
};

std::vector<RankedHit> ranked_hits(const std::vector<const Spec*>& specs, std::string_view pattern,
                                   std::size_t limit) {
    auto query = search::parse_query(pattern);
    std::vector<RankedHit> all;
    for (const auto* spec : specs) {
        if (!spec->search_index) continue;
        for (auto& hit : spec->search_index->search(query, limit)) all.push_back({spec, std::move(hit)});
    }
    std::stable_sort(all.begin(), all.end(), [](const RankedHit& a, const RankedHit& b) {
        if (a.hit.exact != b.hit.exact) return a.hit.exact;
        if (a.hit.all_terms != b.hit.all_terms) return a.hit.all_terms;
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

    std::vector<const Spec*> specs;
    if (title->empty()) {
        for (const auto& spec : catalog.specs) specs.push_back(spec.get());
    } else {
        auto spec = catalog.find(*title);
        if (!spec) return error_result(spec.error().message);
        specs.push_back(*spec);
    }

    auto hits = ranked_hits(specs, pattern, *limit);
    // Scores are shown relative to the best hit (0-100): raw scores mean nothing to an agent, and
    // Boost.JSON would print them as 5.356E1.
    double best = 0;
    for (const auto& ranked : hits) best = std::max(best, ranked.hit.score);
    json::array results;
    for (const auto& [spec, hit] : hits) {
        const Operation& op = spec->operations[hit.operation];
        json::array matched;
        for (auto field : hit.matched) matched.push_back(json::string(search::field_name(field)));
        json::object entry{{"title", spec->title}, {"method", upper(op.method)}, {"path", op.path},
                           {"summary", op.summary}};
        if (!op.operation_id.empty()) entry["operationId"] = op.operation_id;
        entry["score"] = hit.exact || best <= 0 ? 100 : static_cast<std::int64_t>(std::lround(100 * hit.score / best));
        entry["matched"] = std::move(matched);
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
        "recursive schemas show as {\"$ref\": ..., \"x-circular\": true}. `path` is the template from "
        "list-endpoints or search-endpoints; a concrete path such as /cdn/resource/42 also works.",
        {{"title", title_property()},
         {"path", {{"type", "string"}, {"description", "Path template, e.g. /cdn/resource/{id}."}}},
         {"method", {{"type", "string"}, {"description", "HTTP method, any case: GET, POST, PUT, DELETE, ..."}}}},
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
             {"pathParams", schema::map_of(schema::string(), "Values captured from a concrete path")}},
            {"title", "method", "path", "parameters", "responses", "security", "servers"}));
}

namespace {

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
    std::string m = lower(*method);
    if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end())
        return error_result("argument \"method\" must be " + std::string(kMethodChoices) + "; got \"" +
                            shorten(*method) + "\"");

    const Spec& s = **spec;
    const Operation* op = s.find_operation(m, *path);
    std::optional<catalog::PathMatch> match;
    if (!op && (match = s.match_path(m, *path))) op = match->operation;
    if (!op)
        return error_result("no " + upper(m) + " " + shorten(*path) + " in \"" + s.title + "\"; " +
                            closest_endpoints(s, m, *path));
    json::object out{{"title", s.title}};
    for (auto& [key, value] : catalog::describe_operation(s, *op)) out[key] = std::move(value);
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
