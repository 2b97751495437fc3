#include "upstream/value_check.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace mamute::upstream;
namespace json = boost::json;

namespace {

std::vector<std::string> check(const std::string& schema, const std::string& value, ValueMode mode = ValueMode::body) {
    return check_value(json::parse(schema), json::parse(value), "body", mode);
}

}  // namespace

TEST_CASE("value check: types, as JSON bodies and as text parameters", "[upstream][value_check]") {
    CHECK(check(R"({"type":"integer"})", "42").empty());
    CHECK(check(R"({"type":"integer"})", "42.0").empty());
    CHECK(check(R"({"type":"integer"})", "4.5") == std::vector<std::string>{"body: expected integer, got number 4.5"});
    CHECK(check(R"({"type":"integer"})", R"("42")") == std::vector<std::string>{"body: expected integer, got string '42'"});
    CHECK(check(R"({"type":"integer"})", R"("42")", ValueMode::parameter).empty());
    CHECK(check(R"({"type":"integer"})", R"("ten")", ValueMode::parameter) ==
          std::vector<std::string>{"body: expected integer, got string 'ten'"});
    CHECK(check(R"({"type":"boolean"})", R"("true")", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"boolean"})", R"("yes")", ValueMode::parameter).empty());
    CHECK(check(R"({"type":"string"})", "7", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"string"})", "7").empty());
    CHECK(check(R"({"type":["string","null"]})", "null").empty());
    CHECK(check(R"({"type":"string","nullable":true})", "null").empty());
    CHECK_FALSE(check(R"({"type":"string"})", "null").empty());
    CHECK(check(R"({"type":"array","items":{"type":"integer"}})", "[1,2]").empty());
    CHECK(check(R"({"type":"array","items":{"type":"integer"}})", "[1,\"x\"]") ==
          std::vector<std::string>{"body[1]: expected integer, got string 'x'"});
    // One value for an array parameter is a one-item array; its item is still checked.
    CHECK(check(R"({"type":"array","items":{"type":"integer"}})", "3", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"array","items":{"type":"integer"}})", R"("x")", ValueMode::parameter).empty());
    CHECK(check(R"({})", R"({"anything": [1]})").empty());
    CHECK(check("true", "1").empty());
    CHECK(check("false", "1") == std::vector<std::string>{"body: no value is allowed here"});
}

TEST_CASE("value check: enum and const, numbers compared by value", "[upstream][value_check]") {
    CHECK(check(R"({"enum":["a","b"]})", R"("a")").empty());
    CHECK(check(R"({"enum":["a","b"]})", R"("c")") == std::vector<std::string>{"body: 'c' is not one of: a, b"});
    CHECK(check(R"({"enum":[1,2]})", "2.0").empty());
    CHECK(check(R"({"enum":[1,2]})", R"("2")", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"enum":[1,2]})", R"("2")").empty());
    CHECK(check(R"({"const":"x"})", R"("y")") == std::vector<std::string>{"body: must be x, got 'y'"});
}

TEST_CASE("value check: objects, required, unknown properties, readOnly", "[upstream][value_check]") {
    const std::string schema = R"({"type":"object","required":["name","id"],"additionalProperties":false,
        "properties":{"id":{"type":"integer","readOnly":true},"name":{"type":"string"},
                      "origin":{"type":"object","properties":{"port":{"type":"integer"}}}}})";
    CHECK(check(schema, R"({"name":"x"})").empty());  // id is readOnly: never required in a request
    CHECK(check(schema, R"({"name":"x","origin":{"port":"80"}})") ==
          std::vector<std::string>{"body.origin.port: expected integer, got string '80'"});
    CHECK(check(schema, R"({"nme":"x"})") ==
          std::vector<std::string>{"body: missing required property 'name'",
                                   "body: unknown property 'nme' (known: id, name, origin)"});
    // additionalProperties: false next to allOf: properties of the branches are known too.
    CHECK(check(R"({"additionalProperties":false,"properties":{"a":{}},"allOf":[{"properties":{"b":{}}}]})",
                R"({"a":1,"b":2})")
              .empty());
    CHECK(check(R"({"additionalProperties":{"type":"integer"}})", R"({"a":1,"b":"x"})") ==
          std::vector<std::string>{"body.b: expected integer, got string 'x'"});
}

TEST_CASE("value check: allOf, anyOf, oneOf, cycles and the problem limit", "[upstream][value_check]") {
    CHECK(check(R"({"oneOf":[{"type":"string"},{"type":"integer"}]})", "3").empty());
    const auto none = check(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", "true");
    REQUIRE(none.size() == 1);
    CHECK(none.front() == "body: matches none of the 2 anyOf alternatives (the first says: body: expected string, got boolean true)");
    CHECK(check(R"({"allOf":[{"required":["a"]},{"required":["b"]}]})", "{}").size() == 2);
    CHECK(check(R"({"$ref":"#/components/schemas/Node","x-circular":true})", "5").empty());
    CHECK(check_value(json::parse(R"({"type":"array","items":{"type":"string"}})"), json::parse("[1,2,3,4,5,6,7,8]"),
                      "body", ValueMode::body, 3)
              .size() == 3);
}

TEST_CASE("value check: ranges, lengths and sizes; files count as strings in form fields", "[upstream][value_check]") {
    CHECK(check(R"({"type":"integer","minimum":1,"maximum":100})", "0") == std::vector<std::string>{"body: 0 is below the minimum 1"});
    CHECK(check(R"({"type":"integer","minimum":1,"maximum":100})", "1000") == std::vector<std::string>{"body: 1000 is above the maximum 100"});
    CHECK(check(R"({"type":"integer","minimum":1,"maximum":100})", R"("50")", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"integer","maximum":100})", R"("500")", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"number","minimum":0,"exclusiveMinimum":true})", "0").empty());  // OpenAPI 3.0
    CHECK_FALSE(check(R"({"type":"number","exclusiveMaximum":10})", "10").empty());              // OpenAPI 3.1
    CHECK(check(R"({"type":"string","maxLength":3})", R"("über")") == std::vector<std::string>{"body: is 4 characters; at most 3"});
    CHECK(check(R"({"type":"string","maxLength":4})", R"("über")").empty());  // characters, not bytes
    CHECK(check(R"({"type":"string","minLength":1})", R"("")") == std::vector<std::string>{"body: is 0 characters; at least 1"});
    CHECK(check(R"({"type":"array","maxItems":2})", "[1,2,3]") == std::vector<std::string>{"body: has 3 items; at most 2"});
    CHECK(check(R"({"type":"string","format":"binary"})", R"({"filename":"a.png","base64":"iVBO"})", ValueMode::parameter).empty());
    CHECK(check(R"({"type":"string","format":"binary"})", R"({"base64":"iVBO"})", ValueMode::parameter).empty());
    CHECK_FALSE(check(R"({"type":"string"})", R"({"filename":"a.png","base64":"iVBO"})").empty());  // JSON bodies stay strict
    CHECK(check(R"({"type":"string","pattern":"^[a-z]+$"})", R"("ABC")").empty());  // patterns are the API's to judge
}
