#pragma once
// Hand-built specs for builder and tool tests, independent of the OpenAPI loader.
#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"

namespace mamute::testing {

inline catalog::Parameter param(std::string name, std::string in, bool required = false, std::string type = "string") {
    catalog::Parameter p;
    p.name = std::move(name);
    p.in = std::move(in);
    p.required = required || p.in == "path";
    p.style = p.in == "query" ? "form" : "simple";
    p.explode = p.in == "query";
    p.schema = boost::json::object{{"type", type}};
    return p;
}

inline catalog::Operation operation(std::string method, std::string path, std::vector<catalog::Parameter> params = {},
                                    std::string request_body = "null") {
    catalog::Operation op;
    op.method = std::move(method);
    op.path = std::move(path);
    op.parameters = std::move(params);
    op.request_body = boost::json::parse(request_body);
    return op;
}

inline const std::string required_json_body = R"({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}})";

inline catalog::Spec mamute_spec() {
    catalog::Spec spec;
    spec.title = "MamuteCloud API";
    spec.servers = {catalog::Server{"https://api.mamutecloud.com", "", {}}};
    auto ids = param("ids", "query", false, "array");
    ids.explode = false;
    auto pipes = param("colors", "query", false, "array");
    pipes.style = "pipeDelimited";
    pipes.explode = false;
    auto filter = param("filter", "query", false, "object");
    filter.style = "deepObject";
    filter.explode = true;
    spec.operations = {
        operation("get", "/cdn/resource",
                  {param("limit", "query", false, "integer"), param("tags", "query", false, "array"), ids, pipes, filter,
                   param("q", "query")}),
        operation("post", "/cdn/resource", {}, required_json_body),
        operation("get", "/cdn/resource/{id}", {param("id", "path")}),
        operation("put", "/cdn/resource/{id}", {param("id", "path")}, required_json_body),
        operation("get", "/cdn/resource/check-distribution-name", {param("name", "query", true)}),
        operation("delete", "/storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}",
                  {param("bucketId", "path"), param("accessKeyId", "path")}),
        operation("post", "/security/apikey", {},
                  R"({"required": true, "content": {"application/json": {"schema": {"type": "object",
                      "required": ["name"], "properties": {"name": {"type": "string"}, "expires": {"type": "integer"}}}}}})"),
        operation("get", "/dns/zones/{zone_id}/records", {param("zone_id", "path"), param("X-Org-Id", "header", true)}),
        operation("post", "/upload", {},
                  R"({"content": {"text/plain": {}, "multipart/form-data": {}, "application/x-www-form-urlencoded": {}}})"),
        operation("head", "/health"),
    };
    return spec;
}

// Server variables in the host and the base path.
inline catalog::Spec regional_spec() {
    catalog::Spec spec;
    spec.title = "Regional API";
    spec.servers = {catalog::Server{"https://{region}.api.example.com/{version}",
                                    "",
                                    {catalog::ServerVariable{"region", "us-east-1", "", {"us-east-1", "eu-west-1"}},
                                     catalog::ServerVariable{"version", "v1", "", {}}}}};
    spec.operations = {operation("get", "/items/{id}", {param("id", "path")})};
    return spec;
}

}  // namespace mamute::testing
