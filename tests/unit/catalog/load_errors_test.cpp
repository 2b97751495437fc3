// Documents the catalog refuses, and how it says so: file name, JSON pointer, what is wrong.
#include <catch2/catch.hpp>

#include <filesystem>
#include <boost/json/parse.hpp>
#include <fstream>

#include "catalog/catalog.hpp"

using namespace mamute::catalog;

namespace {

std::string error_of(std::string_view text) {
    auto spec = load_spec(text, "spec/x.json");
    if (spec) return "(loaded)";
    return spec.error().message;
}

}  // namespace

TEST_CASE("a parameter without \"in\" is named by file and pointer", "[catalog][errors]") {
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/pets":{"get":{"parameters":[{"name":"limit"}],"responses":{}}}}})") ==
          "spec/x.json: /paths/~1pets/get/parameters/0: parameter has no \"in\"");
}

TEST_CASE("a parameter with a bad location or no name is refused", "[catalog][errors]") {
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/pets":{"parameters":[{"in":"query"}],"get":{"responses":{}}}}})") ==
          "spec/x.json: /paths/~1pets/parameters/0: parameter has no \"name\"");
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/pets":{"get":{"parameters":[{"name":"b","in":"body"}],"responses":{}}}}})") ==
          "spec/x.json: /paths/~1pets/get/parameters/0: parameter \"b\" has \"in\": \"body\"; expected path, "
          "query, header or cookie");
}

TEST_CASE("an unresolvable parameter or body $ref is an error naming the pointer", "[catalog][errors]") {
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/pets/{id}":{"get":{"parameters":[{"$ref":"#/components/parameters/Nope"}],"responses":{}}}}})") ==
          "spec/x.json: /paths/~1pets~1{id}/get/parameters/0/$ref: \"#/components/parameters/Nope\" does not "
          "resolve (only local \"#/...\" references are supported)");
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/pets":{"post":{"requestBody":{"$ref":"#/nowhere"},"responses":{}}}}})") ==
          "spec/x.json: /paths/~1pets/post/requestBody/$ref: \"#/nowhere\" does not resolve (only local "
          "\"#/...\" references are supported)");
}

TEST_CASE("a parameter $ref that points at itself is an error, not a hang", "[catalog][errors]") {
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},
            "components":{"parameters":{"A":{"$ref":"#/components/parameters/B"},"B":{"$ref":"#/components/parameters/A"}}},
            "paths":{"/p":{"get":{"parameters":[{"$ref":"#/components/parameters/A"}],"responses":{}}}}})") ==
          "spec/x.json: /paths/~1p/get/parameters/0: circular $ref \"#/components/parameters/A\"");
}

TEST_CASE("an unresolvable schema $ref deep inside is marked, not fatal", "[catalog][errors]") {
    auto spec = load_spec(R"({"openapi":"3.0.0","info":{"title":"X","version":"1"},"paths":{
            "/p":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{
            "schema":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/Missing"}}}}}}}}}}})",
                          "spec/x.json");
    REQUIRE(spec);
    CHECK(spec->operations[0].responses.at_pointer("/200/content/application~1json/schema/properties/a") ==
          boost::json::parse(R"({"$ref":"#/components/schemas/Missing","x-unresolved":true})"));
}

TEST_CASE("invalid JSON names the line and column", "[catalog][errors]") {
    auto message = error_of("{\n  \"openapi\": \"3.0.0\",\n  \"info\": {,}\n}");
    CHECK_THAT(message, Catch::StartsWith("spec/x.json: invalid JSON at line 3, column 12"));
}

TEST_CASE("documents that are not OpenAPI 3 or Swagger 2 are refused with a reason", "[catalog][errors]") {
    CHECK(error_of("") == "spec/x.json: document is empty");
    CHECK(error_of("[1, 2]") == "spec/x.json: the document is not an object (an OpenAPI document is a mapping at the top)");
    CHECK(error_of(R"({"swagger":"3.0","info":{"title":"X","version":"1"},"paths":{}})") ==
          "spec/x.json: /swagger: unsupported Swagger version \"3.0\" (2.0, OpenAPI 3.0 and 3.1 are supported)");
    CHECK(error_of(R"({"info":{"title":"X"}})") ==
          "spec/x.json: /openapi: not an OpenAPI 3.x document (expected \"openapi\": \"3.0.x\" or \"3.1.x\", or "
          "\"swagger\": \"2.0\")");
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"version":"1"},"paths":{}})") ==
          "spec/x.json: /info/title: missing or empty title (specs are addressed by title)");
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X"},"servers":[{"description":"no url"}],"paths":{}})") ==
          "spec/x.json: /servers/0: server has no \"url\" string");
    CHECK(error_of(R"({"openapi":"3.0.0","info":{"title":"X"},"paths":{"pets":{}}})") ==
          "spec/x.json: /paths/pets: path must start with \"/\"");
}

TEST_CASE("files over 64 MB are refused before they are read", "[catalog][errors]") {
    auto path = std::filesystem::temp_directory_path() / "mamute-catalog-too-big.json";
    { std::ofstream(path).put('{'); }
    std::filesystem::resize_file(path, max_document_bytes + 1);  // sparse: costs no disk
    auto spec = load_spec_file(path.string());
    std::filesystem::remove(path);
    REQUIRE_FALSE(spec);
    CHECK(spec.error().message ==
          path.string() + ": document is " + std::to_string(max_document_bytes + 1) + " bytes; the limit is 64 MB");
}

TEST_CASE("a missing file is named", "[catalog][errors]") {
    auto spec = load_spec_file("/nonexistent/spec.json");
    REQUIRE_FALSE(spec);
    CHECK_THAT(spec.error().message, Catch::StartsWith("/nonexistent/spec.json: cannot read: "));
}
