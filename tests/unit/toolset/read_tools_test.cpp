// The five read-only tools on the fixture specs: definitions, outputs and argument errors. Every
// successful result is checked against its tool's outputSchema (structuredContent, text identical).
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <iostream>

#include "schema_check.hpp"
#include "toolset/read_tools.hpp"

using namespace mamute;
using namespace mamute::toolset;
namespace json = boost::json;

namespace {

std::string fixture(const char* name) { return std::string(MAMUTE_SOURCE_DIR) + "/tests/fixtures/" + name; }

const catalog::Catalog& one_spec() {
    static const catalog::Catalog loaded = [] {
        auto c = catalog::load_catalog({fixture("catalog-mini-cloud.json")});
        if (!c) FAIL(c.error().message);
        return std::move(c).value();
    }();
    return loaded;
}

const catalog::Catalog& two_specs() {
    static const catalog::Catalog loaded = [] {
        auto c = catalog::load_catalog({fixture("catalog-mini-cloud.json"), fixture("catalog-second.json")});
        if (!c) FAIL(c.error().message);
        return std::move(c).value();
    }();
    return loaded;
}

// structuredContent of a successful result, checked against the tool's outputSchema and the text item.
json::value ok_json(const json::object& definition, const ToolResult& result) {
    return testing::structured_ok(definition, result);
}

// The message of an isError result, which carries no structuredContent.
std::string error_text(const ToolResult& result) { return testing::error_only(result); }

json::object args(std::string_view text) { return json::parse(text).as_object(); }

}  // namespace

TEST_CASE("tool definitions are complete MCP tool objects", "[toolset][read_tools]") {
    for (const auto& def : {list_specs_definition(), list_endpoints_definition(), search_endpoints_definition(),
                            get_endpoint_definition(), get_server_variables_definition()}) {
        INFO(def.at("name").as_string());
        CHECK(def.at("title").is_string());
        CHECK(def.at("description").as_string().size() > 80);
        const auto& schema = def.at("inputSchema").as_object();
        CHECK(schema.at("type") == "object");
        CHECK(schema.at("properties").is_object());
        CHECK(schema.at("required").is_array());
        CHECK(schema.at("additionalProperties") == false);
        CHECK(def.at("annotations") ==
              json::parse(R"({"readOnlyHint":true,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false})"));
    }
    CHECK(list_specs_definition().at("name") == "list-specs");
}

TEST_CASE("every read tool declares an object outputSchema its results follow", "[toolset][read_tools][structured]") {
    for (const auto& def : {list_specs_definition(), list_endpoints_definition(), search_endpoints_definition(),
                            get_endpoint_definition(), get_server_variables_definition()})
        testing::check_output_schema(def);
    // Array results are wrapped: structuredContent must be an object.
    CHECK(json::value(list_specs_definition()).at_pointer("/outputSchema/required") == json::array{"specs"});
    CHECK(json::value(list_specs_definition()).at_pointer("/outputSchema/properties/specs/type") == "array");
    CHECK(json::value(search_endpoints_definition()).at_pointer("/outputSchema/required") == json::array{"results"});
    CHECK(json::value(search_endpoints_definition()).at_pointer("/outputSchema/properties/results/type") == "array");
    CHECK(json::value(get_server_variables_definition()).at_pointer("/outputSchema/properties/servers/items/properties/scope/enum") ==
          json::array{"root", "operation"});
    CHECK(json::value(search_endpoints_definition()).at_pointer("/inputSchema/required") == json::array{"pattern"});
    CHECK(json::value(get_endpoint_definition()).at_pointer("/inputSchema/required") == json::array{"path", "method"});
    CHECK(json::value(get_endpoint_definition()).at_pointer("/inputSchema/properties/title/type") == "string");
    CHECK(json::value(list_endpoints_definition()).at_pointer("/inputSchema/properties").as_object().contains("tag"));
}

TEST_CASE("list-specs: title, version, short description, operation count, servers", "[toolset][read_tools]") {
    auto out = ok_json(list_specs_definition(), list_specs(two_specs(), {}));
    CHECK(out == json::parse(R"({"specs":[
        {"title":"Mini Cloud","version":"1.2.0",
         "description":"A small CDN and storage API used by the catalog tests.",
         "operations":15,"servers":["https://api.{region}.example.com/v1"]},
        {"title":"Second API","version":"0.1","description":"","operations":2,"servers":["/"]}]})"));
}

TEST_CASE("list-endpoints groups by tag in document order, untagged under default", "[toolset][read_tools]") {
    auto out = ok_json(list_endpoints_definition(), list_endpoints(one_spec(), {}));
    CHECK(out.at("title") == "Mini Cloud");
    CHECK(out.at("operations") == 15);
    const auto& tags = out.at("tags").as_array();
    REQUIRE(tags.size() == 3);
    CHECK(tags[0].at("tag") == "Storage");
    CHECK(tags[1].at("tag") == "CDN");
    CHECK(tags[2] == json::parse(R"({"tag":"default","endpoints":[{"method":"GET","path":"/health","summary":"Health check"}]})"));
    CHECK(tags[1].at("endpoints").as_array().size() == 9);
    CHECK(tags[1].at_pointer("/endpoints/0") ==
          json::parse(R"({"method":"GET","path":"/cdn/resource","summary":"List CDN Resources","operationId":"listResources"})"));
    CHECK(tags[1].at_pointer("/endpoints/4/deprecated") == true);
}

TEST_CASE("list-endpoints: tag filter, unknown tag, title needed with two specs", "[toolset][read_tools]") {
    auto storage = ok_json(list_endpoints_definition(), list_endpoints(one_spec(), args(R"({"tag":"storage"})")));
    CHECK(storage.at("operations") == 5);
    CHECK(storage.at("tags").as_array().size() == 1);
    CHECK(error_text(list_endpoints(one_spec(), args(R"({"tag":"Nope"})"))) ==
          "no tag \"Nope\" in \"Mini Cloud\"; tags: \"Storage\", \"CDN\", \"default\"");
    CHECK(error_text(list_endpoints(two_specs(), {})) ==
          "several specs are loaded, so \"title\" is required; one of: \"Mini Cloud\", \"Second API\"");
    CHECK(error_text(list_endpoints(two_specs(), args(R"({"title":"Nope"})"))) ==
          "unknown spec title \"Nope\"; loaded specs: \"Mini Cloud\", \"Second API\"");
    CHECK(error_text(list_endpoints(two_specs(), args(R"({"title":5})"))) ==
          "argument \"title\" must be a string: the spec title from list-specs");
    auto second = ok_json(list_endpoints_definition(), list_endpoints(two_specs(), args(R"({"title":"Second API"})")));
    CHECK(second.at("operations") == 2);
}

TEST_CASE("search-endpoints ranks across specs and reports what matched", "[toolset][read_tools]") {
    auto out = ok_json(search_endpoints_definition(), search_endpoints(two_specs(), args(R"({"pattern":"purge cache url"})")));
    REQUIRE(out.as_object().size() == 1);
    const auto& hits = out.at("results").as_array();
    REQUIRE(hits.size() >= 4);
    CHECK(hits[0].at("title") == "Mini Cloud");
    CHECK(hits[0].at("method") == "POST");
    CHECK(hits[0].at("path") == "/cdn/resource/{id}/purge/url");
    CHECK(hits[0].at("operationId") == "purgeByUrl");
    CHECK(hits[0].at("summary") == "Purge Cache by URL");
    CHECK(hits[0].at("score") == 100);
    CHECK(hits[1].at("score").as_int64() < 100);
    CHECK(hits[0].at("matched") == json::parse(R"(["path","operationId","summary","description"])"));
    bool second_spec_found = false;
    for (const auto& hit : hits) second_spec_found = second_spec_found || hit.at("title") == "Second API";
    CHECK(second_spec_found);  // "purge ... cache" also matches there, further down

    auto only_second = ok_json(search_endpoints_definition(), search_endpoints(two_specs(), args(R"({"pattern":"purge","title":"Second API"})")));
    REQUIRE(only_second.at("results").as_array().size() == 1);
    CHECK(only_second.at_pointer("/results/0/operationId") == "purgeWidget");
}

TEST_CASE("search-endpoints: limit and argument errors", "[toolset][read_tools]") {
    auto search = [](std::string_view arguments) {
        return ok_json(search_endpoints_definition(), search_endpoints(one_spec(), args(arguments)));
    };
    CHECK(search(R"({"pattern":"cdn resource","limit":2})").at("results").as_array().size() == 2);
    CHECK(search(R"({"pattern":"cdn resource","limit":50})").at("results").as_array().size() == 9);
    CHECK(search(R"({"pattern":"zzzz"})") == json::parse(R"({"results":[]})"));  // still an object
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"  "})"))) ==
          "argument \"pattern\" is empty: give keywords such as \"purge cache url\"");
    CHECK(error_text(search_endpoints(one_spec(), {})) ==
          "argument \"pattern\" is required: a string of keywords, an operationId or a path");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"x","limit":"5"})"))) ==
          "argument \"limit\" must be an integer from 1 to 50; got \"5\"");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"x","limit":0})"))) ==
          "argument \"limit\" must be an integer from 1 to 50; got 0");
}

TEST_CASE("get-endpoint returns the resolved operation", "[toolset][read_tools]") {
    auto out = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"/cdn/resource","method":"post"})")));
    CHECK(out.at("title") == "Mini Cloud");
    CHECK(out.at("method") == "POST");
    CHECK(out.at("path") == "/cdn/resource");
    CHECK(out.at("operationId") == "createResource");
    CHECK(out.at("tags") == json::array{"CDN"});
    CHECK(out.at("parameters") == json::array{});
    CHECK(out.at_pointer("/requestBody/required") == true);
    CHECK(out.at_pointer("/requestBody/content/application~1json/schema/properties/id/format") == "uuid");
    CHECK(out.at_pointer("/responses/201/description") == "Created");
    CHECK(out.at("security") == json::parse(R"({"requirements":[{"bearerAuth":[]},{"apiKey":[]}],
        "schemes":{"bearerAuth":{"type":"http","scheme":"bearer"},
                   "apiKey":{"type":"apiKey","in":"header","name":"X-API-Key"}}})"));
    CHECK(out.at("servers") == json::parse(R"([{"url":"https://api.{region}.example.com/v1",
        "description":"Management API",
        "variables":{"region":{"default":"us","enum":["us","eu"],"description":"Deployment region"}}}])"));
}

TEST_CASE("get-endpoint: parameters show style and explode only when not the default", "[toolset][read_tools]") {
    auto out = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"/cdn/resource","method":"GET"})")));
    CHECK(out.at("parameters") == json::parse(R"([
        {"name":"status","in":"query","required":false,"schema":{"type":"array","items":{"type":"string"}},"explode":false},
        {"name":"session","in":"cookie","required":false,"schema":{"type":"string"}},
        {"name":"X-Trace-Id","in":"header","required":false,
         "schema":{"type":"string","format":"uuid","description":"A GUID"}}])"));
    auto check = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"/cdn/resource/check-distribution-name","method":"get"})")));
    CHECK(check.at("security") == json::parse(R"({"requirements":[],"schemes":{}})"));
    CHECK(check.at_pointer("/parameters/0/example") == "my-site");
}

TEST_CASE("get-endpoint accepts concrete paths and reports the captured values", "[toolset][read_tools]") {
    auto out = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"/cdn/resource/42/purge/url","method":"Post"})")));
    CHECK(out.at("operationId") == "purgeByUrl");
    CHECK(out.at("pathParams") == json::parse(R"({"id":"42"})"));
    auto literal = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"cdn/resource/check-distribution-name/","method":"GET"})")));
    CHECK(literal.at("operationId") == "checkDistributionName");
    CHECK_FALSE(literal.as_object().contains("pathParams"));
}

TEST_CASE("get-endpoint: unknown method or path suggests the closest endpoints", "[toolset][read_tools]") {
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/cdn/resource/{id}","method":"PATCH"})"))) ==
          "no PATCH /cdn/resource/{id} in \"Mini Cloud\"; operations on that path: GET /cdn/resource/{id}, "
          "PUT /cdn/resource/{id}, DELETE /cdn/resource/{id}");
    auto message = error_text(get_endpoint(one_spec(), args(R"({"path":"/cdn/purge/url","method":"POST"})")));
    CHECK_THAT(message, Catch::StartsWith("no POST /cdn/purge/url in \"Mini Cloud\"; closest endpoints: "
                                          "POST /cdn/resource/{id}/purge/url, "));
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/health","method":"FETCH"})"))) ==
          "argument \"method\" must be one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE; got \"FETCH\"");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"method":"GET"})"))) ==
          "argument \"path\" is required: the endpoint path, e.g. /cdn/resource/{id}");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":["/health"],"method":"GET"})"))) ==
          "argument \"path\" must be a string: the endpoint path, e.g. /cdn/resource/{id}");
}

TEST_CASE("get-endpoint shows recursive schemas as x-circular", "[toolset][read_tools]") {
    auto out = ok_json(get_endpoint_definition(), get_endpoint(one_spec(), args(R"({"path":"/tree","method":"get"})")));
    CHECK(out.at_pointer("/responses/200/content/application~1json/schema/properties/children/items") ==
          json::parse(R"({"$ref":"#/components/schemas/Node","x-circular":true})"));
}

TEST_CASE("get-server-variables covers root, path and operation servers once each", "[toolset][read_tools]") {
    auto out = ok_json(get_server_variables_definition(), get_server_variables(one_spec(), {}));
    CHECK(out == json::parse(R"({"title":"Mini Cloud","servers":[
        {"url":"https://api.{region}.example.com/v1","description":"Management API",
         "variables":{"region":{"default":"us","enum":["us","eu"],"description":"Deployment region"}},"scope":"root"},
        {"url":"https://s3-{region}.example.com","variables":{"region":{"default":"us-east-1"}},
         "scope":"operation","operations":["GET /storage/buckets/{bucketId}/objects/{key}"]},
        {"url":"https://upload.example.com","variables":{},
         "scope":"operation","operations":["PUT /storage/buckets/{bucketId}/objects/{key}"]}]})"));
    auto second = ok_json(get_server_variables_definition(), get_server_variables(two_specs(), args(R"({"title":"Second API"})")));
    CHECK(second == json::parse(R"({"title":"Second API","servers":[{"url":"/","variables":{},"scope":"root"}]})"));
    CHECK(error_text(get_server_variables(two_specs(), {})) ==
          "several specs are loaded, so \"title\" is required; one of: \"Mini Cloud\", \"Second API\"");
}

TEST_CASE("read tool results conform to their outputSchema on every fixture operation", "[toolset][read_tools][structured]") {
    // Sweep: all specs, every tag, every operation by template and by concrete path, a few searches.
    const auto& catalog = two_specs();
    ok_json(list_specs_definition(), list_specs(catalog, {}));
    for (const auto& spec : catalog.specs) {
        const json::object by_title{{"title", spec->title}};
        auto listed = ok_json(list_endpoints_definition(), list_endpoints(catalog, by_title));
        for (const auto& group : listed.at("tags").as_array()) {
            auto with_tag = by_title;
            with_tag["tag"] = group.at("tag");
            ok_json(list_endpoints_definition(), list_endpoints(catalog, with_tag));
        }
        ok_json(get_server_variables_definition(), get_server_variables(catalog, by_title));
        for (const auto& op : spec->operations) {
            INFO(op.method << " " << op.path);
            auto call = by_title;
            call["method"] = op.method;
            call["path"] = op.path;
            auto described = ok_json(get_endpoint_definition(), get_endpoint(catalog, call));
            CHECK(described.at("path").as_string() == op.path);
            std::string concrete = op.path;  // every {placeholder} filled with 7
            for (auto open = concrete.find('{'); open != std::string::npos; open = concrete.find('{'))
                concrete.replace(open, concrete.find('}', open) - open + 1, "7");
            call["path"] = concrete;
            ok_json(get_endpoint_definition(), get_endpoint(catalog, call));
        }
    }
    for (const auto* pattern : {"purge", "cdn resource", "GET /health", "purgeByUrl", "storage object upload"})
        ok_json(search_endpoints_definition(), search_endpoints(catalog, json::object{{"pattern", pattern}, {"limit", 50}}));
}

TEST_CASE("read tool errors are text only, without structuredContent", "[toolset][read_tools][structured]") {
    const auto result = list_endpoints(two_specs(), {});
    CHECK(result.to_json() == json::parse(R"({"content":[{"type":"text","text":
        "several specs are loaded, so \"title\" is required; one of: \"Mini Cloud\", \"Second API\""}],"isError":true})"));
    error_text(search_endpoints(one_spec(), {}));
    error_text(get_endpoint(one_spec(), args(R"({"path":"/nope","method":"GET"})")));
    error_text(get_server_variables(two_specs(), args(R"({"title":"Nope"})")));
}

TEST_CASE("search-endpoints: limit outside 1-50 or not an integer is refused, never capped", "[toolset][read_tools]") {
    auto limit_error = [](std::string_view limit) {
        return error_text(search_endpoints(one_spec(), args(R"({"pattern":"cdn resource","limit":)" + std::string(limit) + "}")));
    };
    // Numbers are shown in their shortest round-trip form (not Boost's 1E2), anything else as JSON.
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"0", "0"}, {"-1", "-1"}, {"51", "51"}, {"1000", "1000"}, {"18446744073709551615", "18446744073709551615"},
        {"18446744073709551616", "18446744073709551616"}, {"1e300", "1e+300"}, {"1e2", "100"}, {"2.5", "2.5"},
        {"-0.5", "-0.5"}, {"\"5\"", "\"5\""}, {"true", "true"}, {"[5]", "[5]"}};
    for (const auto& [limit, shown] : refused) {
        INFO(limit);
        CHECK(limit_error(limit) == "argument \"limit\" must be an integer from 1 to 50; got " + shown);
    }
    // Integral numbers in range are fine whatever their JSON spelling.
    for (const auto* limit : {"1", "50", "5.0", "1e1"}) {
        INFO(limit);
        ok_json(search_endpoints_definition(),
                search_endpoints(one_spec(), args(R"({"pattern":"cdn resource","limit":)" + std::string(limit) + "}")));
    }
    const json::value schema = search_endpoints_definition();
    CHECK(schema.at_pointer("/inputSchema/properties/limit/minimum") == 1);
    CHECK(schema.at_pointer("/inputSchema/properties/limit/maximum") == 50);
}

TEST_CASE("wrong-type and invalid arguments say what is expected, not that they are missing", "[toolset][read_tools]") {
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":5})"))) ==
          "argument \"pattern\" must be a string: keywords, an operationId or a path");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":["purge"]})"))) ==
          "argument \"pattern\" must be a string: keywords, an operationId or a path");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":null})"))) ==
          "argument \"pattern\" is required: a string of keywords, an operationId or a path");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/health","method":"FETCH"})"))) ==
          "argument \"method\" must be one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE; got \"FETCH\"");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/health","method":7})"))) ==
          "argument \"method\" must be a string: one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/health"})"))) ==
          "argument \"method\" is required: one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE");
}

TEST_CASE("read tools quote at most 200 bytes of a bad value", "[toolset][read_tools]") {
    const std::string big(900'000, 'x');
    auto path = error_text(get_endpoint(one_spec(), json::object{{"path", "/" + big}, {"method", "GET"}}));
    CHECK(path.size() < 2000);
    CHECK_THAT(path, Catch::StartsWith("no GET /" + std::string(199, 'x') + "…(900001 bytes) in \"Mini Cloud\"; "));
    auto method = error_text(get_endpoint(one_spec(), json::object{{"path", "/health"}, {"method", big}}));
    CHECK(method.size() < 400);
    CHECK_THAT(method, Catch::EndsWith("…(900000 bytes)\""));
    CHECK(error_text(list_endpoints(one_spec(), json::object{{"tag", big}})).size() < 1000);
    CHECK(error_text(list_endpoints(two_specs(), json::object{{"title", big}})).size() < 1000);
    CHECK(error_text(search_endpoints(two_specs(), json::object{{"pattern", "x"}, {"title", big}})).size() < 1000);
}

TEST_CASE("read tools refuse unknown arguments and list the accepted ones", "[toolset][read_tools]") {
    CHECK(error_text(list_specs(one_spec(), args(R"({"verbose":true})"))) ==
          "unknown argument \"verbose\": list-specs takes no arguments");
    CHECK(error_text(list_endpoints(one_spec(), args(R"({"tags":"cdn"})"))) ==
          "unknown argument \"tags\"; list-endpoints accepts: title, tag, cursor, limit");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"purge","query":"x","max":3})"))) ==
          "unknown arguments \"query\", \"max\"; search-endpoints accepts: pattern, title, method, tag, limit");
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/health","method":"GET","operationId":"x"})"))) ==
          "unknown argument \"operationId\"; get-endpoint accepts: title, path, method, depth");
    CHECK(error_text(get_server_variables(one_spec(), args(R"({"name":"x"})"))) ==
          "unknown argument \"name\"; get-server-variables accepts: title");
    // The accepted list is the inputSchema's: each tool refuses exactly what its schema leaves out.
    using Tool = ToolResult (*)(const catalog::Catalog&, const json::object&);
    const std::vector<std::pair<json::object, Tool>> tools = {
        {list_specs_definition(), list_specs}, {list_endpoints_definition(), list_endpoints},
        {search_endpoints_definition(), search_endpoints}, {get_endpoint_definition(), get_endpoint},
        {get_server_variables_definition(), get_server_variables}};
    for (const auto& [definition, tool] : tools) {
        INFO(definition.at("name").as_string());
        const auto& properties = definition.at("inputSchema").at("properties").as_object();
        std::string listed;
        for (const auto& [name, ignored] : properties) listed += (listed.empty() ? "" : ", ") + std::string(name);
        auto message = error_text(tool(one_spec(), args(R"({"zzz":1})")));
        if (properties.empty())
            CHECK_THAT(message, Catch::EndsWith("takes no arguments"));
        else
            CHECK_THAT(message, Catch::EndsWith("accepts: " + listed));
        // An unknown name that is long is shortened too.
        CHECK(error_text(tool(one_spec(), json::object{{std::string(5000, 'k'), 1}})).size() < 600);
    }
}

TEST_CASE("search-endpoints: method and tag filters, matched words", "[toolset][read_tools]") {
    auto search = [](std::string_view arguments) {
        return ok_json(search_endpoints_definition(), search_endpoints(one_spec(), args(arguments)));
    };
    auto deletes = search(R"({"pattern":"resource","method":"delete"})").at("results").as_array();
    REQUIRE(deletes.size() == 1);
    CHECK(deletes[0].at("path") == "/cdn/resource/{id}");
    auto storage = search(R"({"pattern":"list","tag":"STORAGE"})").at("results").as_array();
    REQUIRE_FALSE(storage.empty());
    for (const auto& hit : storage) {  // Storage: /storage/..., /reports/..., /tree
        CHECK_FALSE(hit.at("path").as_string().starts_with("/cdn"));
        CHECK(hit.at("path") != "/health");
    }
    CHECK(search(R"({"pattern":"purge","tag":"Storage"})").at("results").as_array().empty());
    // A synonym finds the endpoint and the word the agent used is reported.
    auto removed = search(R"({"pattern":"remove a resource"})").at("results").as_array();
    REQUIRE_FALSE(removed.empty());
    CHECK(removed[0].at("method") == "DELETE");
    CHECK(removed[0].at("terms") == json::parse(R"(["remove","resource"])"));
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"x","method":"FETCH"})"))) ==
          "argument \"method\" must be one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE; got \"FETCH\"");
    CHECK(error_text(search_endpoints(one_spec(), args(R"({"pattern":"x","tag":1})"))) ==
          "argument \"tag\" must be a string: a tag name from list-endpoints");
}

TEST_CASE("list-endpoints pages with opaque cursors; a bad cursor is an error", "[toolset][read_tools]") {
    auto whole = ok_json(list_endpoints_definition(), list_endpoints(one_spec(), {}));
    CHECK(whole.at("total") == 15);
    CHECK_FALSE(whole.as_object().contains("nextCursor"));
    CHECK(whole.at("allTags") == json::parse(R"([{"tag":"Storage","endpoints":5},{"tag":"CDN","endpoints":9},
        {"tag":"default","endpoints":1}])"));

    // Pages of 4, concatenated, are the whole listing; a tag split across pages appears on both.
    json::array listed;
    std::string cursor;
    std::size_t pages = 0;
    do {
        json::object arguments{{"limit", 4}};
        if (!cursor.empty()) arguments["cursor"] = cursor;
        auto page = ok_json(list_endpoints_definition(), list_endpoints(one_spec(), arguments));
        CHECK(page.at("total") == 15);
        CHECK(page.at("operations").to_number<std::int64_t>() <= 4);
        for (const auto& group : page.at("tags").as_array())
            for (const auto& endpoint : group.at("endpoints").as_array()) listed.push_back(endpoint);
        cursor = page.as_object().contains("nextCursor") ? std::string(page.at("nextCursor").as_string()) : "";
        ++pages;
    } while (!cursor.empty() && pages < 10);
    CHECK(pages == 4);
    json::array expected;
    for (const auto& group : whole.at("tags").as_array())
        for (const auto& endpoint : group.at("endpoints").as_array()) expected.push_back(endpoint);
    CHECK(listed == expected);

    auto first = ok_json(list_endpoints_definition(), list_endpoints(one_spec(), args(R"({"limit":2,"tag":"cdn"})")));
    std::string next(first.at("nextCursor").as_string());
    CHECK(next.find("2") == std::string::npos);  // opaque, not the offset in clear
    json::object same_tag{{"cursor", next}, {"tag", "CDN"}};
    CHECK(ok_json(list_endpoints_definition(), list_endpoints(one_spec(), same_tag)).at("tags").as_array().size() == 1);
    json::object other_tag{{"cursor", next}};  // a cursor belongs to its spec and tag filter
    auto bad = "argument \"cursor\" is not a nextCursor of list-endpoints for this spec and tag: \"";
    CHECK(error_text(list_endpoints(one_spec(), other_tag)).starts_with(bad));
    CHECK(error_text(list_endpoints(one_spec(), args(R"({"cursor":"bm9wZQ"})"))).starts_with(bad));
    CHECK(error_text(list_endpoints(one_spec(), args(R"({"cursor":"!!"})"))).starts_with(bad));
    CHECK(error_text(list_endpoints(one_spec(), args(R"({"limit":0})"))) ==
          "argument \"limit\" must be an integer from 1 to 200; got 0");
}

TEST_CASE("get-endpoint bounds nested schemas to `depth` and marks the cut", "[toolset][read_tools]") {
    auto deep = ok_json(get_endpoint_definition(),
                        get_endpoint(one_spec(), args(R"({"path":"/cdn/resource","method":"post"})")));
    CHECK(deep.at("schemaDepth") == 6);
    CHECK(json::serialize(deep).find("x-truncated") == std::string::npos);
    auto shallow = ok_json(get_endpoint_definition(),
                           get_endpoint(one_spec(), args(R"({"path":"/cdn/resource","method":"post","depth":1})")));
    CHECK(shallow.at("schemaDepth") == 1);
    const auto& schema = shallow.at_pointer("/requestBody/content/application~1json/schema").as_object();
    CHECK(schema.contains("properties"));  // the first level is shown
    bool cut = false;
    for (const auto& [name, property] : schema.at("properties").as_object())
        cut = cut || property.as_object().contains("x-truncated");
    CHECK(cut == (json::serialize(deep) != json::serialize(shallow)));
    CHECK(error_text(get_endpoint(one_spec(), args(R"({"path":"/tree","method":"get","depth":0})"))) ==
          "argument \"depth\" must be an integer from 1 to 32; got 0");
}

// ---- GitHub's spec (npm @octokit/openapi): hidden, run by the "[github]" ctest registration ----------

namespace {

const catalog::Catalog& github() {
    static const catalog::Catalog loaded = [] {
        const char* path = std::getenv("MAMUTE_GITHUB_SPEC");
        INFO("MAMUTE_GITHUB_SPEC must name generated/api.github.com.json from npm @octokit/openapi");
        REQUIRE(path != nullptr);
        auto c = catalog::load_catalog({path});
        if (!c) FAIL(c.error().message);
        return std::move(c).value();
    }();
    return loaded;
}

}  // namespace

TEST_CASE("get-endpoint on GitHub's GET /repos/{owner}/{repo} is bounded and marks the cuts", "[.][github]") {
    auto full = ok_json(get_endpoint_definition(),
                        get_endpoint(github(), args(R"({"path":"/repos/{owner}/{repo}","method":"GET","depth":32})")));
    auto bounded = ok_json(get_endpoint_definition(),
                           get_endpoint(github(), args(R"({"path":"/repos/{owner}/{repo}","method":"GET"})")));
    auto shallow = ok_json(get_endpoint_definition(),
                           get_endpoint(github(), args(R"({"path":"/repos/{owner}/{repo}","method":"GET","depth":2})")));
    auto full_size = json::serialize(full).size(), bounded_size = json::serialize(bounded).size(),
         shallow_size = json::serialize(shallow).size();
    std::cout << "get-endpoint GET /repos/{owner}/{repo}: depth 32 " << full_size << " bytes, default (schemaDepth "
              << bounded.at("schemaDepth").as_int64() << ") " << bounded_size << " bytes, depth 2 " << shallow_size
              << " bytes\n";
    CHECK(bounded_size * 3 < 92000);
    CHECK(shallow_size < full_size);
    CHECK(full.at("schemaDepth") == 32);
    CHECK(json::serialize(bounded).find("x-truncated") != std::string::npos);
    // The first level is all there: the repository's own properties.
    CHECK(bounded.at_pointer("/responses/200/content/application~1json/schema/properties").as_object().contains("full_name"));
}

TEST_CASE("list-endpoints pages through GitHub's 1,000+ operations with opaque cursors", "[.][github]") {
    std::size_t seen = 0, pages = 0, total = 0, largest = 0;
    std::string cursor;
    do {
        json::object arguments{{"limit", 100}};
        if (!cursor.empty()) arguments["cursor"] = cursor;
        auto page = ok_json(list_endpoints_definition(), list_endpoints(github(), arguments));
        total = static_cast<std::size_t>(page.at("total").to_number<std::int64_t>());
        for (const auto& group : page.at("tags").as_array()) seen += group.at("endpoints").as_array().size();
        largest = std::max(largest, json::serialize(page).size());
        cursor = page.as_object().contains("nextCursor") ? std::string(page.at("nextCursor").as_string()) : "";
        ++pages;
    } while (!cursor.empty() && pages < 100);
    std::cout << "list-endpoints on GitHub: " << total << " endpoints, " << seen << " listings in " << pages
              << " pages, largest page " << largest << " bytes\n";
    CHECK(total == github().specs[0]->operations.size());
    CHECK(seen >= total);
    CHECK(pages > 10);
    CHECK(largest < 40000);
}

TEST_CASE("search-endpoints: an unknown tag is an error naming the tags, not an empty result") {
    auto catalog = mamute::catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
    REQUIRE(catalog);
    auto unknown = mamute::toolset::search_endpoints(*catalog, boost::json::object{{"pattern", "purge"}, {"tag", "nope"}});
    REQUIRE(unknown.is_error);
    const auto text = boost::json::serialize(unknown.content);
    CHECK(text.find("nope") != std::string::npos);
    CHECK(text.find("CDN") != std::string::npos);
    auto known = mamute::toolset::search_endpoints(*catalog, boost::json::object{{"pattern", "purge"}, {"tag", "cdn"}});
    CHECK_FALSE(known.is_error);
}
