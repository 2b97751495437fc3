// Loading an OpenAPI 3 document into the operation model.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "catalog/catalog.hpp"

using namespace mamute::catalog;
namespace json = boost::json;

namespace {

std::string fixture(const char* name) { return std::string(MAMUTE_SOURCE_DIR) + "/tests/fixtures/" + name; }

const Spec& mini_cloud() {
    static const Spec spec = [] {
        auto loaded = load_spec_file(fixture("catalog-mini-cloud.json"));
        if (!loaded) FAIL(loaded.error().message);
        return std::move(loaded).value();
    }();
    return spec;
}

const Parameter* find_param(const Operation& op, std::string_view name, std::string_view in) {
    for (const auto& p : op.parameters)
        if (p.name == name && p.in == in) return &p;
    return nullptr;
}

}  // namespace

TEST_CASE("info, root servers, tags and security schemes are read", "[catalog]") {
    const Spec& spec = mini_cloud();
    CHECK(spec.title == "Mini Cloud");
    CHECK(spec.version == "1.2.0");
    CHECK(spec.openapi_version == "3.0.3");
    CHECK(spec.source == fixture("catalog-mini-cloud.json"));
    CHECK(spec.operations.size() == 15);
    REQUIRE(spec.servers.size() == 1);
    CHECK(spec.servers[0].url == "https://api.{region}.example.com/v1");
    REQUIRE(spec.servers[0].variables.size() == 1);
    CHECK(spec.servers[0].variables[0].name == "region");
    CHECK(spec.servers[0].variables[0].default_value == "us");
    CHECK(spec.servers[0].variables[0].enum_values == std::vector<std::string>{"us", "eu"});
    REQUIRE(spec.tags.size() == 2);
    CHECK(spec.tags[0].name == "Storage");
    CHECK(spec.security_schemes.at("apiKey").at("name") == "X-API-Key");
    CHECK(spec.search_index != nullptr);
}

TEST_CASE("operations keep document order, lower-case methods and their fields", "[catalog]") {
    const Spec& spec = mini_cloud();
    CHECK(spec.operations[0].method == "get");
    CHECK(spec.operations[0].path == "/cdn/resource");
    CHECK(spec.operations[1].method == "post");
    const Operation* del = spec.find_operation("DELETE", "/cdn/resource/{id}");
    REQUIRE(del != nullptr);
    CHECK(del->deprecated);
    CHECK(del->operation_id == "deleteResource");
    CHECK(del->tags == std::vector<std::string>{"CDN"});
    const Operation* health = spec.find_operation("get", "/health");
    REQUIRE(health != nullptr);
    CHECK(health->tags.empty());
    CHECK(health->operation_id.empty());
}

TEST_CASE("path-level parameters merge in and operation-level ones override by name and location", "[catalog]") {
    const Spec& spec = mini_cloud();
    const Operation* get = spec.find_operation("get", "/cdn/resource/{id}");
    REQUIRE(get != nullptr);
    REQUIRE(get->parameters.size() == 2);
    // The operation's own {id} replaces the path-level $ref'd one, in place.
    CHECK(get->parameters[0].name == "id");
    CHECK(get->parameters[0].description == "Numeric resource id");
    CHECK(get->parameters[0].schema == json::value(json::object{{"type", "integer"}}));
    CHECK(get->parameters[1].name == "verbose");

    const Operation* put = spec.find_operation("put", "/cdn/resource/{id}");
    REQUIRE(put != nullptr);
    REQUIRE(put->parameters.size() == 2);
    CHECK(put->parameters[0].description == "Resource identifier");  // from #/components/parameters/Id
    CHECK(put->parameters[0].required);
}

TEST_CASE("parameter style and explode defaults follow the location", "[catalog]") {
    const Operation* list = mini_cloud().find_operation("get", "/cdn/resource");
    REQUIRE(list != nullptr);
    const Parameter* status = find_param(*list, "status", "query");
    REQUIRE(status != nullptr);
    CHECK(status->style == "form");
    CHECK_FALSE(status->explode);  // explicitly false in the document
    const Parameter* session = find_param(*list, "session", "cookie");
    REQUIRE(session != nullptr);
    CHECK(session->style == "form");
    CHECK(session->explode);
    const Parameter* trace = find_param(*list, "X-Trace-Id", "header");
    REQUIRE(trace != nullptr);
    CHECK(trace->style == "simple");
    CHECK_FALSE(trace->explode);
    CHECK_FALSE(trace->required);
    const Operation* get = mini_cloud().find_operation("get", "/cdn/resource/{id}");
    CHECK(get->parameters[0].style == "simple");
    CHECK_FALSE(get->parameters[0].explode);
    const Operation* check = mini_cloud().find_operation("get", "/cdn/resource/check-distribution-name");
    REQUIRE(check != nullptr);
    CHECK(check->parameters.at(0).example == "my-site");
}

TEST_CASE("refs resolve in parameters, bodies and responses, including #/x-common pointers", "[catalog][ref]") {
    const Spec& spec = mini_cloud();
    const Operation* list = spec.find_operation("get", "/cdn/resource");
    const Parameter* trace = find_param(*list, "X-Trace-Id", "header");
    REQUIRE(trace != nullptr);
    CHECK(trace->schema == json::parse(R"({"type":"string","format":"uuid","description":"A GUID"})"));

    const Operation* create = spec.find_operation("post", "/cdn/resource");
    REQUIRE(create != nullptr);
    CHECK(create->request_body.at("required") == true);
    const auto& schema = create->request_body.at_pointer("/content/application~1json/schema");
    CHECK(schema.at("required") == json::array{"name"});
    CHECK(schema.at_pointer("/properties/id/format") == "uuid");
    CHECK(schema.at_pointer("/properties/origin/properties/type/enum") == json::array{"storage", "http"});
    CHECK(create->responses.at_pointer("/201/description") == "Created");
    CHECK(create->responses.at_pointer("/201/content/application~1json/schema/type") == "object");
}

TEST_CASE("a self-recursive schema expands once and then shows x-circular", "[catalog][ref]") {
    const Operation* tree = mini_cloud().find_operation("get", "/tree");
    REQUIRE(tree != nullptr);
    const auto& schema = tree->responses.at_pointer("/200/content/application~1json/schema");
    CHECK(schema.at_pointer("/properties/name/type") == "string");
    CHECK(schema.at_pointer("/properties/children/items") ==
          json::parse(R"({"$ref":"#/components/schemas/Node","x-circular":true})"));
}

TEST_CASE("effective servers: operation over path over root", "[catalog]") {
    const Spec& spec = mini_cloud();
    const Operation* put = spec.find_operation("put", "/storage/buckets/{bucketId}/objects/{key}");
    const Operation* get = spec.find_operation("get", "/storage/buckets/{bucketId}/objects/{key}");
    const Operation* list = spec.find_operation("get", "/storage/buckets");
    REQUIRE((put && get && list));
    REQUIRE(put->servers.size() == 1);
    CHECK(put->servers[0].url == "https://upload.example.com");
    REQUIRE(get->servers.size() == 1);
    CHECK(get->servers[0].url == "https://s3-{region}.example.com");
    CHECK(get->servers[0].variables.at(0).default_value == "us-east-1");
    REQUIRE(list->servers.size() == 1);
    CHECK(list->servers[0].url == "https://api.{region}.example.com/v1");
}

TEST_CASE("effective security: the operation's own (even empty) or the root's", "[catalog]") {
    const Spec& spec = mini_cloud();
    CHECK(spec.find_operation("get", "/cdn/resource")->security ==
          json::parse(R"([{"bearerAuth":[]},{"apiKey":[]}])"));
    CHECK(spec.find_operation("get", "/cdn/resource/check-distribution-name")->security == json::array{});
}

TEST_CASE("no servers means the single server \"/\"", "[catalog]") {
    auto spec = load_spec(R"({"openapi":"3.1.0","info":{"title":"T","version":"1"},"paths":{
        "/a/{b}":{"get":{"responses":{}}}}})",
                          "t.json");
    REQUIRE(spec);
    REQUIRE(spec->servers.size() == 1);
    CHECK(spec->servers[0].url == "/");
    CHECK(spec->operations.at(0).servers.at(0).url == "/");
    // An undeclared template parameter is still listed, as a required path string.
    REQUIRE(spec->operations.at(0).parameters.size() == 1);
    CHECK(spec->operations[0].parameters[0].name == "b");
    CHECK(spec->operations[0].parameters[0].required);
}
