// From what an agent typed (method in any case, template or concrete path) to an operation.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"

using namespace mamute::catalog;

namespace {

const Spec& spec() {
    static const Spec loaded = [] {
        auto s = load_spec(R"({"openapi":"3.0.0","info":{"title":"M","version":"1"},
          "servers":[{"url":"https://api.example.com/v1"}],
          "paths":{
            "/cdn/resource":{"get":{"operationId":"list"}},
            "/cdn/resource/{id}":{"get":{"operationId":"get"},"put":{"operationId":"put"}},
            "/cdn/resource/check-distribution-name":{"get":{"operationId":"check"}},
            "/cdn/resource/{id}/purge/{kind}":{"post":{"operationId":"purgeKind"}},
            "/cdn/resource/{id}/purge/url":{"post":{"operationId":"purgeUrl"}},
            "/files/{name}.json":{"get":{"operationId":"jsonFile"}},
            "/files/{name}":{"get":{"operationId":"file"}},
            "/":{"get":{"operationId":"root"}}}})",
                           "m.json");
        if (!s) FAIL(s.error().message);
        return std::move(s).value();
    }();
    return loaded;
}

std::string matched_id(std::string_view method, std::string_view path) {
    auto match = spec().match_path(method, path);
    return match ? match->operation->operation_id : "(none)";
}

}  // namespace

TEST_CASE("find_operation: exact template, any method case, trailing slash, other param names", "[catalog][path]") {
    REQUIRE(spec().find_operation("GET", "/cdn/resource/{id}") != nullptr);
    CHECK(spec().find_operation("GET", "/cdn/resource/{id}")->operation_id == "get");
    CHECK(spec().find_operation("Put", "/cdn/resource/{id}/")->operation_id == "put");
    CHECK(spec().find_operation("get", "/cdn/resource/{resourceId}")->operation_id == "get");
    CHECK(spec().find_operation("delete", "/cdn/resource/{id}") == nullptr);
    CHECK(spec().find_operation("get", "/cdn/resource/42") == nullptr);  // concrete paths: match_path
}

TEST_CASE("match_path: literal segments beat parameters", "[catalog][path]") {
    CHECK(matched_id("get", "/cdn/resource/check-distribution-name") == "check");
    CHECK(matched_id("get", "/cdn/resource/42") == "get");
    CHECK(matched_id("post", "/cdn/resource/42/purge/url") == "purgeUrl");
    CHECK(matched_id("post", "/cdn/resource/42/purge/all") == "purgeKind");
    CHECK(matched_id("get", "/files/report.json") == "jsonFile");
    CHECK(matched_id("get", "/files/report.csv") == "file");
    CHECK(matched_id("get", "/") == "root");
}

TEST_CASE("match_path: captured values are percent-decoded", "[catalog][path]") {
    auto match = spec().match_path("POST", "/cdn/resource/a%2Fb%20c/purge/all");
    REQUIRE(match);
    CHECK(match->path_params.at("id") == "a/b c");
    CHECK(match->path_params.at("kind") == "all");
    auto file = spec().match_path("get", "/files/my.report.json");
    REQUIRE(file);
    CHECK(file->path_params.at("name") == "my.report");
}

TEST_CASE("match_path: trailing slash, query string, full URLs with the server base path", "[catalog][path]") {
    CHECK(matched_id("get", "/cdn/resource/42/") == "get");
    CHECK(matched_id("get", "/cdn/resource?limit=3") == "list");
    CHECK(matched_id("get", "https://api.example.com/v1/cdn/resource/42") == "get");
    CHECK(matched_id("get", "/v1/cdn/resource/42") == "get");
}

TEST_CASE("match_path: wrong method, extra segments or empty parameters do not match", "[catalog][path]") {
    CHECK(matched_id("delete", "/cdn/resource/42") == "(none)");
    CHECK(matched_id("get", "/cdn/resource/42/extra") == "(none)");
    CHECK(matched_id("get", "/cdn/resource//") == "list");  // trailing slashes fold away
    CHECK(matched_id("post", "/cdn/resource//purge/url") == "(none)");
}
