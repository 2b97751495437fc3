// $ref expansion: cycles, limits, missing targets, sibling keys, pointer escapes.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "catalog/json_pointer.hpp"
#include "catalog/ref_resolver.hpp"

using namespace mamute::catalog;
namespace json = boost::json;

TEST_CASE("json pointer tokens are escaped and local refs are percent-decoded", "[catalog][ref]") {
    CHECK(escape_pointer_token("/a~b") == "~1a~0b");
    CHECK(pointer_append("/paths", "/pets/{id}") == "/paths/~1pets~1{id}");
    CHECK(pointer_append("/x", std::size_t{3}) == "/x/3");
    auto doc = json::parse(R"({"paths":{"/pets/{id}":{"get":1}},"a b":{"c":2}})");
    REQUIRE(find_local_ref(doc, "#/paths/~1pets~1%7Bid%7D/get") != nullptr);
    CHECK(*find_local_ref(doc, "#/paths/~1pets~1%7Bid%7D/get") == 1);
    CHECK(*find_local_ref(doc, "#/a%20b/c") == 2);
    CHECK(find_local_ref(doc, "#") == &doc);
    CHECK(find_local_ref(doc, "other.json#/a") == nullptr);
    CHECK(find_local_ref(doc, "#/missing") == nullptr);
}

TEST_CASE("mutually recursive schemas stop at the first repeat", "[catalog][ref]") {
    auto doc = json::parse(R"({"s":{
        "A":{"type":"object","properties":{"b":{"$ref":"#/s/B"}}},
        "B":{"type":"object","properties":{"a":{"$ref":"#/s/A"}}}}})");
    RefResolver resolver(doc, "t.json");
    auto out = resolver.resolve(json::parse(R"({"$ref":"#/s/A"})"));
    CHECK(out.at_pointer("/properties/b/type") == "object");
    CHECK(out.at_pointer("/properties/b/properties/a") == json::parse(R"({"$ref":"#/s/A","x-circular":true})"));
}

TEST_CASE("the same schema used twice side by side is expanded both times", "[catalog][ref]") {
    auto doc = json::parse(R"({"s":{"Id":{"type":"string"}}})");
    RefResolver resolver(doc, "t.json");
    auto out = resolver.resolve(json::parse(R"({"properties":{"a":{"$ref":"#/s/Id"},"b":{"$ref":"#/s/Id"}}})"));
    CHECK(out == json::parse(R"({"properties":{"a":{"type":"string"},"b":{"type":"string"}}})"));
}

TEST_CASE("deep chains stop at the depth limit with x-truncated", "[catalog][ref]") {
    // L0 -> L1 -> ... -> L19: no cycle, but deeper than the limit.
    json::object s;
    for (int i = 0; i < 20; ++i)
        s["L" + std::to_string(i)] = json::object{{"properties", {{"next", {{"$ref", "#/s/L" + std::to_string(i + 1)}}}}}};
    json::value doc = json::object{{"s", s}};
    RefResolver resolver(doc, "t.json", ResolveLimits{3, 100000, 256});
    auto out = resolver.resolve(json::parse(R"({"$ref":"#/s/L0"})"));
    CHECK(out.at_pointer("/properties/next/properties/next/properties/next") ==
          json::parse(R"({"$ref":"#/s/L3","x-truncated":true})"));
}

TEST_CASE("a fan-out bomb is cut by the node budget", "[catalog][ref]") {
    // Each level references the next one 8 times: 8^10 copies without a budget.
    json::object s;
    for (int i = 0; i < 10; ++i) {
        json::object props;
        for (int k = 0; k < 8; ++k) props["p" + std::to_string(k)] = {{"$ref", "#/s/L" + std::to_string(i + 1)}};
        s["L" + std::to_string(i)] = {{"properties", props}};
    }
    s["L10"] = {{"type", "string"}};
    json::value doc = json::object{{"s", s}};
    RefResolver resolver(doc, "t.json", ResolveLimits{12, 5000, 256});
    auto out = resolver.resolve(json::parse(R"({"$ref":"#/s/L0"})"));
    CHECK(resolver.nodes_produced() < 5000 + 1000);
    CHECK(json::serialize(out).find("\"x-truncated\":true") != std::string::npos);
    resolver.reset_budget();
    CHECK(resolver.nodes_produced() == 0);
}

TEST_CASE("literal data is copied as is, and property names are not keywords", "[catalog][ref]") {
    auto doc = json::parse(R"({"s":{"T":{"type":"integer"}}})");
    RefResolver resolver(doc, "t.json");
    auto out = resolver.resolve(json::parse(R"({
        "example":{"$ref":"#/s/T"},
        "properties":{"example":{"$ref":"#/s/T"},"default":{"$ref":"#/s/T"}}})"));
    CHECK(out.at("example") == json::parse(R"({"$ref":"#/s/T"})"));
    CHECK(out.at_pointer("/properties/example") == json::parse(R"({"type":"integer"})"));
    CHECK(out.at_pointer("/properties/default") == json::parse(R"({"type":"integer"})"));
}

TEST_CASE("sibling keys next to a $ref override the target's (OpenAPI 3.1)", "[catalog][ref]") {
    auto doc = json::parse(R"({"s":{"T":{"type":"string","description":"generic"}}})");
    RefResolver resolver(doc, "t.json");
    auto out = resolver.resolve(json::parse(R"({"$ref":"#/s/T","description":"specific"})"));
    CHECK(out == json::parse(R"({"type":"string","description":"specific"})"));
}

TEST_CASE("external refs are marked unresolved", "[catalog][ref]") {
    json::value doc = json::object{};
    RefResolver resolver(doc, "t.json");
    CHECK(resolver.resolve(json::parse(R"({"$ref":"common.json#/Pet"})")) ==
          json::parse(R"({"$ref":"common.json#/Pet","x-unresolved":true})"));
}

TEST_CASE("resolve_required: a required target that points back is shown circular inside", "[catalog][ref]") {
    auto doc = json::parse(R"({"r":{"Body":{"content":{"application/json":{"schema":{"$ref":"#/r/Body"}}}}}})");
    RefResolver resolver(doc, "t.json");
    auto out = resolver.resolve_required(json::parse(R"({"$ref":"#/r/Body"})"), "/paths/~1x/post/requestBody");
    REQUIRE(out);
    CHECK(out->at_pointer("/content/application~1json/schema") ==
          json::parse(R"({"$ref":"#/r/Body","x-circular":true})"));
}
