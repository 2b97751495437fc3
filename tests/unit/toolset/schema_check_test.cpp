// The test-side JSON Schema subset validator: it must reject what it claims to check, or the
// structured-output tests would pass vacuously.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "schema_check.hpp"

namespace json = boost::json;
using mamute::testing::schema_errors;

TEST_CASE("schema subset validator accepts conforming values and reports each violation", "[toolset][structured]") {
    const auto schema = json::parse(R"({"type":"object","required":["items","n"],"properties":{
        "n":{"type":"integer","minimum":0,"maximum":100},
        "kind":{"type":"string","enum":["a","b"]},
        "items":{"type":"array","items":{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}},
        "map":{"type":"object","additionalProperties":{"type":"boolean"}},
        "any":{"description":"anything"}}})");
    CHECK(schema_errors(json::parse(R"({"n":3,"items":[{"id":"x","extra":1}],"any":[null],"more":{}})"), schema).empty());
    CHECK(schema_errors(json::parse(R"({"n":3.0,"items":[],"kind":"b","map":{"k":true}})"), schema).empty());

    CHECK(schema_errors(json::parse(R"([])"), schema) == std::vector<std::string>{
        "(root): expected type \"object\", got []"});
    CHECK(schema_errors(json::parse(R"({"n":3})"), schema) == std::vector<std::string>{
        "(root): missing required property \"items\""});
    CHECK(schema_errors(json::parse(R"({"n":1.5,"items":[]})"), schema).size() == 1);
    CHECK(schema_errors(json::parse(R"({"n":101,"items":[]})"), schema) == std::vector<std::string>{"/n: above maximum"});
    CHECK(schema_errors(json::parse(R"({"n":-1,"items":[]})"), schema) == std::vector<std::string>{"/n: below minimum"});
    CHECK(schema_errors(json::parse(R"({"n":1,"items":[],"kind":"c"})"), schema).size() == 1);
    CHECK(schema_errors(json::parse(R"({"n":1,"items":[{"id":5}, {}]})"), schema) == std::vector<std::string>{
        "/items/0/id: expected type \"string\", got 5", "/items/1: missing required property \"id\""});
    CHECK(schema_errors(json::parse(R"({"n":1,"items":[],"map":{"k":"yes"}})"), schema).size() == 1);
    CHECK(schema_errors(json::parse(R"({"x":1})"), json::parse(R"({"type":"object","additionalProperties":false})")) ==
          std::vector<std::string>{"/x: not allowed (schema false)"});
    CHECK(schema_errors(json::parse("1"), json::parse(R"({"type":["string","integer"]})")).empty());
    // Keywords outside the subset are errors, never silently ignored.
    CHECK(schema_errors(json::parse(R"("x")"), json::parse(R"({"type":"string","pattern":"^y"})")) ==
          std::vector<std::string>{"(root): unsupported schema keyword \"pattern\""});
}
