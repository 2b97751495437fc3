// Swagger 2.0 documents mapped to the same operation model as OpenAPI 3.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "catalog/catalog.hpp"

using namespace mamute::catalog;
namespace json = boost::json;

namespace {

const char* const kPetstore = R"({
  "swagger": "2.0",
  "info": {"title": "Swagger Pets", "version": "1.0.0"},
  "host": "petstore.example.com",
  "basePath": "/v2/",
  "schemes": ["https", "http"],
  "consumes": ["application/json", "application/xml"],
  "produces": ["application/json"],
  "securityDefinitions": {
    "api_key": {"type": "apiKey", "name": "api_key", "in": "header"},
    "basic": {"type": "basic", "description": "user and password"},
    "oauth": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a.example.com/auth",
              "tokenUrl": "https://a.example.com/token", "scopes": {"read:pets": "read"}},
    "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://a.example.com/token", "scopes": {}}
  },
  "security": [{"api_key": []}],
  "parameters": {
    "petId": {"name": "petId", "in": "path", "required": true, "type": "integer", "format": "int64"},
    "petBody": {"name": "pet", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}}
  },
  "responses": {
    "NotFound": {"description": "no such pet", "schema": {"$ref": "#/definitions/Error"}}
  },
  "paths": {
    "/pet": {
      "post": {
        "operationId": "addPet", "tags": ["pet"], "summary": "Add a pet",
        "parameters": [{"$ref": "#/parameters/petBody"}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"},
                              "examples": {"application/json": {"id": 1}},
                              "headers": {"X-Rate": {"type": "integer", "description": "left"}}}}
      }
    },
    "/pet/{petId}": {
      "parameters": [{"$ref": "#/parameters/petId"}],
      "get": {
        "operationId": "getPetById", "produces": ["application/json", "application/xml"], "schemes": ["wss"],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}},
                      "404": {"$ref": "#/responses/NotFound"}}
      },
      "post": {
        "operationId": "updatePetWithForm", "consumes": ["application/x-www-form-urlencoded"],
        "parameters": [
          {"name": "name", "in": "formData", "type": "string", "description": "new name", "required": true},
          {"name": "status", "in": "formData", "type": "string", "enum": ["available", "sold"]}
        ],
        "responses": {"405": {"description": "invalid"}}
      }
    },
    "/pet/{petId}/uploadImage": {
      "post": {
        "operationId": "uploadFile",
        "parameters": [
          {"$ref": "#/parameters/petId"},
          {"name": "metadata", "in": "formData", "type": "string"},
          {"name": "file", "in": "formData", "type": "file", "required": true}
        ],
        "responses": {"200": {"description": "ok"}}
      }
    },
    "/pet/findByTags": {
      "get": {
        "operationId": "findPetsByTags", "security": [],
        "parameters": [
          {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
          {"name": "multi", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
          {"name": "pipes", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"},
          {"name": "ssv", "in": "query", "type": "array", "items": {"type": "integer"}, "collectionFormat": "ssv"},
          {"name": "ids", "in": "header", "type": "array", "items": {"type": "integer"}},
          {"name": "limit", "in": "query", "type": "integer", "default": 20, "maximum": 100}
        ],
        "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}}
      }
    }
  },
  "definitions": {
    "Pet": {"type": "object", "required": ["name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
            "parent": {"$ref": "#/definitions/Pet"}}},
    "Error": {"type": "object", "properties": {"message": {"type": "string"}}}
  }
})";

const Spec& petstore() {
    static const Spec spec = [] {
        auto loaded = load_spec(kPetstore, "spec/swagger.json");
        if (!loaded) FAIL(loaded.error().message);
        return std::move(loaded).value();
    }();
    return spec;
}

const Operation& op(std::string_view method, std::string_view path) {
    const auto* found = petstore().find_operation(method, path);
    if (!found) FAIL("no operation " << method << " " << path);
    return *found;
}

const Parameter& param(const Operation& operation, std::string_view name) {
    for (const auto& p : operation.parameters)
        if (p.name == name) return p;
    FAIL("no parameter " << name);
    throw;
}

}  // namespace

TEST_CASE("swagger 2.0: info, host/basePath/schemes as servers, version", "[catalog][swagger2]") {
    const Spec& spec = petstore();
    CHECK(spec.title == "Swagger Pets");
    CHECK(spec.openapi_version == "2.0");
    REQUIRE(spec.servers.size() == 2);
    CHECK(spec.servers[0].url == "https://petstore.example.com/v2");
    CHECK(spec.servers[1].url == "http://petstore.example.com/v2");
    CHECK(spec.operations.size() == 5);
    CHECK(op("post", "/pet/{petId}").servers.size() == 2);
    CHECK(op("post", "/pet/{petId}").servers[0].url == "https://petstore.example.com/v2");
    // An operation's own schemes.
    REQUIRE(op("get", "/pet/{petId}").servers.size() == 1);
    CHECK(op("get", "/pet/{petId}").servers[0].url == "wss://petstore.example.com/v2");
}

TEST_CASE("swagger 2.0: servers without host or schemes", "[catalog][swagger2]") {
    auto no_host = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"basePath":"/api","paths":{}})", "a.json");
    REQUIRE(no_host);
    REQUIRE(no_host->servers.size() == 1);
    CHECK(no_host->servers[0].url == "/api");
    auto no_scheme = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"host":"h.example.com","paths":{}})", "a.json");
    REQUIRE(no_scheme);
    CHECK(no_scheme->servers[0].url == "https://h.example.com");
}

TEST_CASE("swagger 2.0: a body parameter becomes the request body, one entry per consumes type", "[catalog][swagger2]") {
    const auto& add = op("post", "/pet");
    CHECK(add.parameters.empty());
    REQUIRE(add.request_body.is_object());
    CHECK(add.request_body.at("required") == true);
    const auto& content = add.request_body.at("content").as_object();
    REQUIRE(content.size() == 2);
    CHECK(content.contains("application/json"));
    CHECK(content.contains("application/xml"));
    // #/definitions refs resolve; the self-reference shows as circular.
    CHECK(add.request_body.at_pointer("/content/application~1json/schema/properties/name/type") == "string");
    CHECK(add.request_body.at_pointer("/content/application~1json/schema/properties/parent") ==
          json::parse(R"({"$ref":"#/definitions/Pet","x-circular":true})"));
}

TEST_CASE("swagger 2.0: formData parameters become a urlencoded or multipart body", "[catalog][swagger2]") {
    const auto& form = op("post", "/pet/{petId}");
    REQUIRE(form.request_body.is_object());
    CHECK(form.request_body.at("required") == true);
    CHECK(form.request_body.at("content").as_object().size() == 1);
    CHECK(form.request_body.at_pointer("/content/application~1x-www-form-urlencoded/schema") == json::parse(R"({
        "type":"object","required":["name"],"properties":{
          "name":{"type":"string","description":"new name"},
          "status":{"type":"string","enum":["available","sold"]}}})"));
    REQUIRE(form.parameters.size() == 1);  // the path-level petId, merged in
    CHECK(form.parameters[0].name == "petId");

    const auto& upload = op("post", "/pet/{petId}/uploadImage");
    const auto& content = upload.request_body.at("content").as_object();
    REQUIRE(content.size() == 1);  // consumes says JSON, but a file can only go as multipart
    CHECK(upload.request_body.at_pointer("/content/multipart~1form-data/schema/properties/file") ==
          json::parse(R"({"type":"string","format":"binary"})"));
    CHECK(upload.request_body.at_pointer("/content/multipart~1form-data/schema/required") == json::parse(R"(["file"])"));
    CHECK(param(upload, "petId").schema == json::parse(R"({"type":"integer","format":"int64"})"));
}

TEST_CASE("swagger 2.0: responses get content per produces type; #/responses refs resolve", "[catalog][swagger2]") {
    const auto& get = op("get", "/pet/{petId}");
    CHECK(get.responses.at_pointer("/200/content").as_object().size() == 2);
    CHECK(get.responses.at_pointer("/200/content/application~1xml/schema/properties/id/type") == "integer");
    CHECK(get.responses.at_pointer("/404/description") == "no such pet");
    CHECK(get.responses.at_pointer("/404/content/application~1json/schema/properties/message/type") == "string");
    const auto& add = op("post", "/pet");
    CHECK(add.responses.at_pointer("/200/content/application~1json/example") == json::parse(R"({"id":1})"));
    CHECK(add.responses.at_pointer("/200/headers/X-Rate") ==
          json::parse(R"({"schema":{"type":"integer"},"description":"left"})"));
    CHECK_FALSE(op("post", "/pet/{petId}").responses.at("405").as_object().contains("content"));
}

TEST_CASE("swagger 2.0: collectionFormat becomes style and explode", "[catalog][swagger2]") {
    const auto& find = op("get", "/pet/findByTags");
    CHECK(param(find, "tags").style == "form");
    CHECK_FALSE(param(find, "tags").explode);
    CHECK(param(find, "multi").style == "form");
    CHECK(param(find, "multi").explode);
    CHECK(param(find, "pipes").style == "pipeDelimited");
    CHECK(param(find, "ssv").style == "spaceDelimited");
    CHECK(param(find, "ids").style == "simple");
    CHECK(param(find, "ids").schema == json::parse(R"({"type":"array","items":{"type":"integer"}})"));
    CHECK(param(find, "limit").schema == json::parse(R"({"type":"integer","default":20,"maximum":100})"));
}

TEST_CASE("swagger 2.0: securityDefinitions become security schemes", "[catalog][swagger2]") {
    const Spec& spec = petstore();
    CHECK(json::value(spec.security_schemes.at("api_key")) ==
          json::parse(R"({"type":"apiKey","name":"api_key","in":"header"})"));
    CHECK(json::value(spec.security_schemes.at("basic")) ==
          json::parse(R"({"type":"http","scheme":"basic","description":"user and password"})"));
    CHECK(json::value(spec.security_schemes.at("oauth")) == json::parse(R"({"type":"oauth2","flows":{"authorizationCode":{
          "authorizationUrl":"https://a.example.com/auth","tokenUrl":"https://a.example.com/token","scopes":{"read:pets":"read"}}}})"));
    CHECK(spec.security_schemes.at("app").at_pointer("/flows/clientCredentials/tokenUrl") == "https://a.example.com/token");
    CHECK(op("get", "/pet/{petId}").security == json::parse(R"([{"api_key":[]}])"));
    CHECK(op("get", "/pet/findByTags").security == json::array{});
}

TEST_CASE("swagger 2.0: errors name the file and the pointer in the Swagger document", "[catalog][swagger2]") {
    auto missing = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"paths":{"/a":{"get":{
        "parameters":[{"name":"x","in":"query","type":"string"},{"$ref":"#/parameters/nope"}],"responses":{}}}}})", "s.json");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "s.json: /paths/~1a/get/parameters/1/$ref: \"#/parameters/nope\" does not resolve "
                                     "(only local \"#/...\" references are supported)");
    auto bad_in = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"paths":{"/a":{"get":{
        "parameters":[{"name":"x","in":"cookie","type":"string"}]}}}})", "s.json");
    REQUIRE_FALSE(bad_in);
    CHECK(bad_in.error().message == "s.json: /paths/~1a/get/parameters/0: parameter \"x\" has \"in\": \"cookie\"; expected "
                                    "path, query, header, body or formData");
    auto no_schema = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"paths":{"/a":{"post":{
        "parameters":[{"name":"b","in":"body"}]}}}})", "s.json");
    REQUIRE_FALSE(no_schema);
    CHECK(no_schema.error().message == "s.json: /paths/~1a/post/parameters/0: body parameter \"b\" has no \"schema\"");
    auto bad_response = load_spec(R"({"swagger":"2.0","info":{"title":"A","version":"1"},"paths":{"/a":{"get":{
        "responses":{"404":{"$ref":"#/responses/Gone"}}}}}})", "s.json");
    REQUIRE_FALSE(bad_response);
    CHECK_THAT(bad_response.error().message, Catch::StartsWith("s.json: /paths/~1a/get/responses/404/$ref: "));
    auto version = load_spec(R"({"swagger":"1.2","info":{"title":"A"}})", "s.json");
    REQUIRE_FALSE(version);
    CHECK(version.error().message ==
          "s.json: /swagger: unsupported Swagger version \"1.2\" (2.0, OpenAPI 3.0 and 3.1 are supported)");
}

TEST_CASE("swagger 2.0 in YAML, with swagger: 2.0 unquoted", "[catalog][swagger2][yaml]") {
    auto spec = load_spec(R"(swagger: 2.0
info: {title: Y, version: 2}
host: api.example.com
paths:
  /items:
    post:
      operationId: addItem
      consumes: [application/x-www-form-urlencoded, multipart/form-data]
      parameters:
        - {name: label, in: formData, type: string}
      responses:
        201: {description: created}
)",
                          "s.yaml");
    REQUIRE(spec);
    CHECK(spec->openapi_version == "2.0");
    CHECK(spec->version == "2");
    REQUIRE(spec->operations.size() == 1);
    const auto& content = spec->operations[0].request_body.at("content").as_object();
    CHECK(content.size() == 2);
    CHECK(content.contains("application/x-www-form-urlencoded"));
    CHECK(content.contains("multipart/form-data"));
    CHECK(spec->operations[0].responses.at_pointer("/201/description") == "created");
}
