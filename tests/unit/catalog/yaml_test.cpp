// YAML documents: the same JSON tree as the JSON form, core-schema scalars, aliases under a budget.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "catalog/catalog.hpp"
#include "catalog/document.hpp"
#include "catalog/yaml.hpp"

using namespace mamute::catalog;
namespace json = boost::json;

namespace {

json::value yaml(std::string_view text) {
    auto parsed = parse_yaml(text, "spec/x.yaml");
    if (!parsed) FAIL(parsed.error().message);
    return std::move(parsed).value();
}

}  // namespace

TEST_CASE("plain scalars follow the YAML 1.2 core schema; quoted and block scalars stay strings", "[catalog][yaml]") {
    CHECK(yaml_core_scalar("42") == 42);
    CHECK(yaml_core_scalar("-7") == -7);
    CHECK(yaml_core_scalar("+7") == 7);
    CHECK(yaml_core_scalar("0x1F") == 31);
    CHECK(yaml_core_scalar("0o17") == 15);
    CHECK(yaml_core_scalar("18446744073709551615") == json::value(18446744073709551615ull));
    CHECK(yaml_core_scalar("1.5") == 1.5);
    CHECK(yaml_core_scalar("1e3") == 1000.0);
    CHECK(yaml_core_scalar(".5") == 0.5);
    CHECK(yaml_core_scalar("true") == true);
    CHECK(yaml_core_scalar("FALSE") == false);
    CHECK(yaml_core_scalar("~").is_null());
    CHECK(yaml_core_scalar("Null").is_null());
    // Not core-schema values: strings, as written.
    CHECK(yaml_core_scalar("3.0.0") == "3.0.0");
    CHECK(yaml_core_scalar("yes") == "yes");
    CHECK(yaml_core_scalar("on") == "on");
    CHECK(yaml_core_scalar("0x") == "0x");
    CHECK(yaml_core_scalar("1_000") == "1_000");
    CHECK(yaml_core_scalar(".inf") == ".inf");  // no JSON form
    CHECK(yaml_core_scalar("2001-12-14") == "2001-12-14");

    auto doc = yaml(R"(plain: 42
quoted: "42"
single: 'true'
float: 2.50
bool: true
nothing: ~
empty:
explicit: !!str 123
block: |
  line one
  line two
folded: >
  one
  two
version: 3.1.0
)");
    CHECK(doc == json::parse(R"({"plain":42,"quoted":"42","single":"true","float":2.5,"bool":true,"nothing":null,
        "empty":null,"explicit":"123","block":"line one\nline two\n","folded":"one two\n","version":"3.1.0"})"));
}

TEST_CASE("mapping keys are strings as written; sequences, flow style and nesting convert", "[catalog][yaml]") {
    auto doc = yaml(R"(
responses:
  200: {description: OK}
  default: {description: Error}
true: yes
list: [1, "two", 3.0, null]
nested:
  - a: 1
    b: [x, y]
)");
    CHECK(doc == json::parse(R"({"responses":{"200":{"description":"OK"},"default":{"description":"Error"}},
        "true":"yes","list":[1,"two",3.0,null],"nested":[{"a":1,"b":["x","y"]}]})"));
}

TEST_CASE("anchors and aliases are expanded", "[catalog][yaml]") {
    auto doc = yaml(R"(
definitions:
  error: &err
    type: object
    properties: {code: {type: integer}}
responses:
  400: {schema: *err}
  500: {schema: *err}
name: &n widget
again: *n
)");
    CHECK(doc.at_pointer("/responses/400/schema") == doc.at_pointer("/definitions/error"));
    CHECK(doc.at_pointer("/responses/500/schema/properties/code/type") == "integer");
    CHECK(doc.at("again") == "widget");
}

TEST_CASE("merge keys (<<) merge mappings in; explicit keys win; a quoted \"<<\" is a plain key", "[catalog][yaml]") {
    auto doc = yaml(R"(
base: &base {type: object, description: base, nullable: true}
extra: &extra {readOnly: true, description: extra}
one:
  description: own
  <<: *base
two:
  <<: [*extra, *base]
three: {"<<": literal}
7: &seven seven
*seven : aliased key
)");
    CHECK(doc.at("one") == json::parse(R"({"description":"own","type":"object","nullable":true})"));
    CHECK(doc.at("two") == json::parse(R"({"readOnly":true,"description":"extra","type":"object","nullable":true})"));
    CHECK(doc.at("three") == json::parse(R"({"<<":"literal"})"));
    CHECK(doc.at("seven") == "aliased key");
    auto bad = parse_yaml("a:\n  <<: 5\n", "m.yaml");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "m.yaml: YAML refused at line 2, column 7: a \"<<\" merge key needs a mapping or a list of mappings");
}

TEST_CASE("a billion-laughs document is refused, not expanded", "[catalog][yaml]") {
    std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
    for (char c = 'b'; c <= 'i'; ++c) {
        std::string prev(1, static_cast<char>(c - 1));
        bomb += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
                ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
    }
    auto parsed = parse_yaml(bomb, "spec/bomb.yaml");
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("spec/bomb.yaml: YAML refused at line "));
    CHECK_THAT(parsed.error().message, Catch::Contains("document expands to more than 1000000 nodes"));
    // The same document under a small explicit budget fails early too.
    auto small = parse_yaml(bomb, "b.yaml", YamlLimits{1000, 256});
    REQUIRE_FALSE(small);
    CHECK_THAT(small.error().message, Catch::Contains("more than 1000 nodes"));
}

TEST_CASE("deep nesting is refused with the line", "[catalog][yaml]") {
    std::string deep(300, '[');
    auto parsed = parse_yaml(deep, "deep.yaml", YamlLimits{0, 256});
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("deep.yaml: "));
}

TEST_CASE("YAML syntax errors name the file, line and column", "[catalog][yaml]") {
    auto parsed = parse_yaml("openapi: 3.0.0\ninfo:\n  title: [unclosed, flow\n", "spec/bad.yaml");
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("spec/bad.yaml: invalid YAML at line "));
    auto bad = parse_yaml("a: 1\n b: 2\n  - c\n", "spec/bad2.yaml");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Matches("spec/bad2\\.yaml: invalid YAML at line [23], column \\d+: .+"));
}

TEST_CASE("format is detected by content: JSON when it starts with {, else YAML", "[catalog][yaml]") {
    auto json_doc = parse_document(R"({"openapi": "3.0.0"})", "a.txt");
    REQUIRE(json_doc);
    CHECK(json_doc->at("openapi") == "3.0.0");
    auto yaml_doc = parse_document("openapi: 3.0.0\n", "a.json");
    REQUIRE(yaml_doc);
    CHECK(yaml_doc->at("openapi") == "3.0.0");
    // YAML flow mappings that are not JSON still load from a .yaml file.
    auto flow = parse_document("{openapi: 3.0.0, info: {title: T}}", "a.yaml");
    REQUIRE(flow);
    CHECK(flow->at_pointer("/info/title") == "T");
    // ... but a .json file gets the JSON error.
    auto bad_json = parse_document("{openapi: 3.0.0}", "a.json");
    REQUIRE_FALSE(bad_json);
    CHECK_THAT(bad_json.error().message, Catch::StartsWith("a.json: invalid JSON at line 1, column 2"));
    auto scalar = parse_document("just text\n", "a.yaml");
    REQUIRE_FALSE(scalar);
    CHECK(scalar.error().message == "a.yaml: the document is not an object (an OpenAPI document is a mapping at the top)");
}

TEST_CASE("a YAML OpenAPI document loads like its JSON twin", "[catalog][yaml]") {
    auto spec = load_spec(R"(# comment
openapi: 3.0.3
info:
  title: Pets
  version: 1.0
servers:
  - url: https://{region}.example.com/v1
    variables:
      region: {default: eu, enum: [eu, us]}
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getPet
      responses:
        '200':
          description: a pet
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      properties:
        id: {type: integer, example: 7}
        tag: {type: string, default: "007"}
)",
                          "spec/pets.yaml");
    REQUIRE(spec);
    CHECK(spec->title == "Pets");
    CHECK(spec->version == "1.0");
    CHECK(spec->openapi_version == "3.0.3");
    REQUIRE(spec->operations.size() == 1);
    const auto& op = spec->operations[0];
    CHECK(op.operation_id == "getPet");
    REQUIRE(op.parameters.size() == 1);
    CHECK(op.parameters[0].schema == json::parse(R"({"type":"integer"})"));
    CHECK(op.responses.at_pointer("/200/content/application~1json/schema/properties/id/example") == 7);
    CHECK(op.responses.at_pointer("/200/content/application~1json/schema/properties/tag/default") == "007");
    REQUIRE(spec->servers.size() == 1);
    CHECK(spec->servers[0].variables[0].enum_values == std::vector<std::string>{"eu", "us"});
}

TEST_CASE("an error in a YAML spec names the file and the JSON pointer", "[catalog][yaml]") {
    auto spec = load_spec("openapi: 3.0.0\ninfo: {title: X}\npaths:\n  /p:\n    get:\n      parameters:\n        - name: q\n",
                          "spec/x.yaml");
    REQUIRE_FALSE(spec);
    CHECK(spec.error().message == "spec/x.yaml: /paths/~1p/get/parameters/0: parameter has no \"in\"");
}

TEST_CASE("yaml: aliases to a long string cannot expand past the byte budget", "[catalog]") {
    // 15 KB of text that would expand to 4 GB: few nodes, each a copy of a 10 KB string.
    std::string text = "openapi: 3.0.0\ninfo: {title: StrBomb, version: \"1\"}\npaths: {}\ns0: &s0 \"" +
                       std::string(10'000, 'x') + "\"\na1: &a1 [";
    for (int i = 0; i < 1000; ++i) text += i ? ",*s0" : "*s0";
    text += "]\na2: &a2 [";
    for (int i = 0; i < 400; ++i) text += i ? ",*a1" : "*a1";
    text += "]\n";
    auto parsed = mamute::catalog::parse_yaml(text, "strbomb.yaml", {});
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("bytes of text") != std::string::npos);
    CHECK(parsed.error().message.find("strbomb.yaml") != std::string::npos);
}

TEST_CASE("yaml: bytes quoted in a parse error are escaped, never copied raw", "[catalog]") {
    auto parsed = mamute::catalog::parse_yaml("a: \"\\\xfc\"\n", "binary.yaml", {});
    REQUIRE_FALSE(parsed);
    for (unsigned char c : parsed.error().message) CHECK((c >= 0x20 && c < 0x7f));
}
