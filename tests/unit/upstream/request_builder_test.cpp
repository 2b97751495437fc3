#include "upstream/request_builder.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "spec_fixture.hpp"
#include "upstream/serialization.hpp"
#include "upstream/url_encoding.hpp"

using namespace mamute;
using namespace mamute::upstream;

namespace {

Expected<BuiltRequest> build(const catalog::Spec& spec, const std::string& args, const HeaderList& credentials = {},
                             const std::optional<std::string>& base_url = std::nullopt) {
    return build_request(spec, boost::json::parse(args).as_object(), credentials, base_url);
}

std::string target_of(const catalog::Spec& spec, const std::string& args) {
    auto built = build(spec, args);
    if (!built) FAIL(built.error().message);
    return built->request.target;
}

std::string error_of(const catalog::Spec& spec, const std::string& args, const HeaderList& credentials = {},
                     const std::optional<std::string>& base_url = std::nullopt) {
    auto built = build(spec, args, credentials, base_url);
    if (built) FAIL("expected an error, got " + built->request.method + " " + built->request.target);
    return built.error().message;
}

std::vector<std::string> header_values(const Request& request, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& [key, value] : request.headers)
        if (iequals(key, name)) out.push_back(value);
    return out;
}

const auto spec = testing::mamute_spec();

}  // namespace

TEST_CASE("path parameters are percent-encoded so they cannot change the route", "[upstream][builder]") {
    auto with_id = [](const std::string& id_json) {
        return target_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":)" + id_json + "}}");
    };
    CHECK(with_id(R"("../../admin")") == "/cdn/resource/..%2F..%2Fadmin");
    CHECK(with_id(R"("a?x=1")") == "/cdn/resource/a%3Fx%3D1");
    CHECK(with_id(R"("a/b")") == "/cdn/resource/a%2Fb");
    CHECK(with_id(R"("über")") == "/cdn/resource/%C3%BCber");
    CHECK(with_id(R"("00000")") == "/cdn/resource/00000");
    CHECK(with_id("42") == "/cdn/resource/42");
    CHECK(with_id("4.5") == "/cdn/resource/4.5");
    CHECK(with_id("true") == "/cdn/resource/true");
}

TEST_CASE("dot segments, empty values and leftover placeholders are refused", "[upstream][builder]") {
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":".."}})"),
               Catch::Contains("path parameter 'id' cannot be '..'"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":""}})"),
               Catch::Contains("cannot be ''"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/.."})"), Catch::Contains("cannot be '..'"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/%7Bid%7D"})"),
               Catch::Contains("still holds the placeholder '{id}'"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource/{id}"}})"),
               Catch::Contains("{placeholder}"));
}

TEST_CASE("several path parameters are all substituted", "[upstream][builder]") {
    auto built = build(spec, R"({"method":"delete","path":"/storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}",
                                 "pathParams":{"bucketId":"b 1","accessKeyId":"AKIA/1"}})");
    REQUIRE(built);
    CHECK(built->request.method == "DELETE");
    CHECK(built->request.target == "/storage/object-storage/buckets/b%201/credentials/AKIA%2F1");
    CHECK(built->request.origin == Origin{"https", "api.mamutecloud.com", 443});
    CHECK(built->operation->path == "/storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}");
}

TEST_CASE("a concrete path is matched and literal segments win", "[upstream][builder]") {
    auto built = build(spec, R"({"method":"GET","path":"/cdn/resource/42"})");
    REQUIRE(built);
    CHECK(built->operation->path == "/cdn/resource/{id}");
    CHECK(built->request.target == "/cdn/resource/42");
    auto literal = build(spec, R"({"method":"GET","path":"/cdn/resource/check-distribution-name","query":{"name":"my site"}})");
    REQUIRE(literal);
    CHECK(literal->operation->path == "/cdn/resource/check-distribution-name");
    CHECK(literal->request.target == "/cdn/resource/check-distribution-name?name=my%20site");
    // A query string written into the path is accepted and checked like 'query'.
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource?limit=5&q=a%20b"})") == "/cdn/resource?limit=5&q=a%20b");
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource?nope=1"})"), Catch::Contains("unknown query parameter 'nope'"));
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource?q"})") == "/cdn/resource?q");  // a bare flag stays bare
    // Other placeholder names for the same template are mapped by position.
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource/{resourceId}","pathParams":{"resourceId":7}})") ==
          "/cdn/resource/7");
}

TEST_CASE("query values follow the parameter's style and explode", "[upstream][builder]") {
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"tags":["a","b c"]}})") ==
          "/cdn/resource?tags=a&tags=b%20c");
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"ids":[1,"x,y",3]}})") ==
          "/cdn/resource?ids=1,x%2Cy,3");
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"colors":["red","blue"]}})") ==
          "/cdn/resource?colors=red%7Cblue");
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"filter":{"status":"on","kind":"a b"}}})") ==
          "/cdn/resource?filter%5Bstatus%5D=on&filter%5Bkind%5D=a%20b");
    CHECK(target_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"limit":10,"q":"a&b=c","tags":null}})") ==
          "/cdn/resource?limit=10&q=a%26b%3Dc");
}

TEST_CASE("unknown and missing parameters are errors that list what the operation takes", "[upstream][builder]") {
    auto unknown = error_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{"limt":1}})");
    CHECK_THAT(unknown, Catch::Contains("unknown query parameter 'limt'; known query parameters: limit, tags, ids, colors, filter, q"));
    CHECK_THAT(unknown, Catch::Contains("GET /cdn/resource"));
    CHECK_THAT(unknown, Catch::Contains("- limit (query, integer, optional)"));

    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/check-distribution-name"})"),
               Catch::Contains("missing required query parameter 'name'"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}"})"),
               Catch::Contains("missing required path parameter 'id'"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":1,"x":2}})"),
               Catch::Contains("unknown path parameter 'x'; known path parameters: id"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/dns/zones/z1/records"})"),
               Catch::Contains("missing required header 'X-Org-Id'"));
    CHECK(build(spec, R"({"method":"GET","path":"/dns/zones/z1/records","headers":{"x-org-id":"o1"}})"));
}

TEST_CASE("unknown operations and methods are errors with suggestions", "[upstream][builder]") {
    CHECK_THAT(error_of(spec, R"({"method":"DELETE","path":"/cdn/resource/42"})"),
               Catch::Contains("no operation DELETE /cdn/resource/42 in spec 'MamuteCloud API'") &&
                   Catch::Contains("exists with: GET, PUT"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resources/42"})"), Catch::Contains("Close operations:"));
    CHECK_THAT(error_of(spec, R"({"method":"FETCH","path":"/cdn/resource"})"), Catch::Contains("not an HTTP method"));
    CHECK_THAT(error_of(spec, R"({"path":"/cdn/resource"})"), Catch::Contains("'method' is required"));
    CHECK_THAT(error_of(spec, R"({"method":"GET"})"), Catch::Contains("'path' is required"));
    CHECK(build(spec, R"({"method":"head","path":"/health"})")->request.method == "HEAD");
}

TEST_CASE("forwarded credentials win over agent headers of the same name", "[upstream][builder]") {
    const HeaderList credentials{{"X-API-Key", "real-key"}, {"Authorization", "Bearer real-token"}};
    auto built = build(spec,
                       R"({"method":"GET","path":"/cdn/resource","headers":{"x-api-key":"agent-key",
                          "authorization":"Bearer agent","Accept":"application/json","X-Trace":7}})",
                       credentials);
    REQUIRE(built);
    const auto& request = built->request;
    CHECK(header_values(request, "X-API-Key") == std::vector<std::string>{"real-key"});
    CHECK(header_values(request, "Authorization") == std::vector<std::string>{"Bearer real-token"});
    CHECK(header_values(request, "Accept") == std::vector<std::string>{"application/json"});
    CHECK(header_values(request, "X-Trace") == std::vector<std::string>{"7"});
    // Without credentials the agent's own header passes through.
    auto plain = build(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X-API-Key":"agent-key"}})");
    CHECK(header_values(plain->request, "X-API-Key") == std::vector<std::string>{"agent-key"});
}

TEST_CASE("header injection and client-owned headers are refused", "[upstream][builder]") {
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X-A":"1\r\nX-Evil: 2"}})"),
               Catch::Contains("contains a control character"));
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X A":"1"}})"),
               Catch::Contains("not a valid header name"));
    for (const auto* name : {"Host", "content-length", "Transfer-Encoding", "Connection", "Upgrade"})
        CHECK_THAT(error_of(spec, std::string(R"({"method":"GET","path":"/cdn/resource","headers":{")") + name + R"(":"x"}})"),
                   Catch::Contains("refused: header '" + std::string(name) + "'"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                 "headers":[{"name":"X-A","value":"v\nX-B: 1"}]}})"),
               Catch::Contains("contains a control character"));
    auto bad_credential = build(spec, R"({"method":"GET","path":"/cdn/resource"})", {{"X-API-Key", "k\r\nX: 1"}});
    REQUIRE_FALSE(bad_credential);
}

TEST_CASE("bodies: any JSON value as JSON, raw strings for other media types", "[upstream][builder]") {
    CHECK_THAT(error_of(spec, R"({"method":"POST","path":"/security/apikey"})"),
               Catch::Contains("POST /security/apikey requires a request body") &&
                   Catch::Contains("request body: required (application/json)\n  fields: name string (required), expires integer"));
    auto object = build(spec, R"({"method":"POST","path":"/security/apikey","body":{"name":"deploy-key"}})");
    REQUIRE(object);
    CHECK(object->request.body == R"({"name":"deploy-key"})");
    CHECK(header_values(object->request, "Content-Type") == std::vector<std::string>{"application/json"});
    auto loose = spec;  // a JSON body without a schema takes any JSON value
    loose.operations.push_back(testing::operation("post", "/echo", {}, R"({"content": {"application/json": {}, "text/csv": {}}})"));
    CHECK(build(loose, R"({"method":"POST","path":"/echo","body":"hello"})")->request.body == "\"hello\"");
    CHECK(build(loose, R"({"method":"POST","path":"/echo","body":42})")->request.body == "42");
    CHECK_THAT(error_of(spec, R"({"method":"POST","path":"/security/apikey","body":42})"),
               Catch::Contains("body: expected object, got integer 42"));
    auto text = build(loose, R"({"method":"POST","path":"/echo","body":"a,b","contentType":"text/csv"})");
    REQUIRE(text);
    CHECK(text->request.body == "a,b");
    CHECK(header_values(text->request, "Content-Type") == std::vector<std::string>{"text/csv"});
    // The media type comes from the spec when the operation has no JSON body.
    auto upload = build(spec, R"({"method":"POST","path":"/upload","body":"plain text"})");
    CHECK(upload->request.body == "plain text");
    CHECK(header_values(upload->request, "Content-Type") == std::vector<std::string>{"text/plain"});
    auto form = build(spec, R"({"method":"POST","path":"/upload","contentType":"application/x-www-form-urlencoded",
                                "body":{"a":1,"b":"x y&z"}})");
    CHECK(form->request.body == "a=1&b=x%20y%26z");
    CHECK_THAT(error_of(spec, R"({"method":"POST","path":"/upload","contentType":"text/plain","body":{"a":1}})"),
               Catch::Contains("must be a string"));
    // A Content-Type header counts as the declared media type.
    auto header_type = build(loose, R"({"method":"POST","path":"/echo","headers":{"content-type":"text/csv"},"body":"a"})");
    REQUIRE(header_type);
    CHECK(header_values(header_type->request, "Content-Type") == std::vector<std::string>{"text/csv"});
    CHECK_THAT(error_of(spec, R"({"method":"POST","path":"/upload","headers":{"content-type":"text/markdown"},"body":"# hi"})"),
               Catch::Contains("contentType 'text/markdown' is not one that POST /upload takes"));
}

TEST_CASE("base_url replaces the server and keeps its path prefix", "[upstream][builder]") {
    auto built = build(spec, R"({"method":"GET","path":"/cdn/resource/42"})", {}, "http://127.0.0.1:4010/v1/");
    REQUIRE(built);
    CHECK(built->request.origin == Origin{"http", "127.0.0.1", 4010});
    CHECK(built->request.target == "/v1/cdn/resource/42");
}

TEST_CASE("server variables are filled with their defaults", "[upstream][builder]") {
    const auto regional = testing::regional_spec();
    CHECK(fill_server_defaults(regional.servers[0]) == "https://us-east-1.api.example.com/v1");
    CHECK(expand_server_urls(regional.servers[0]) ==
          std::vector<std::string>{"https://us-east-1.api.example.com/v1", "https://eu-west-1.api.example.com/v1"});
    auto built = build(regional, R"({"method":"GET","path":"/items/7"})");
    REQUIRE(built);
    CHECK(built->request.origin == Origin{"https", "us-east-1.api.example.com", 443});
    CHECK(built->request.target == "/v1/items/7");
    // An agent that includes the base path in 'path' is understood too.
    CHECK(target_of(regional, R"({"method":"GET","path":"/v1/items/7"})") == "/v1/items/7");
}

TEST_CASE("harRequest: the url must be on a server of the spec", "[upstream][builder]") {
    auto built = build(spec, R"({"harRequest":{"method":"GET","url":"https://API.mamutecloud.com:443/cdn/resource?limit=5",
                                 "queryString":[{"name":"tags","value":"a b"}],"headers":[{"name":"Accept","value":"*/*"}]}})");
    REQUIRE(built);
    CHECK(built->request.origin == Origin{"https", "api.mamutecloud.com", 443});
    CHECK(built->request.target == "/cdn/resource?limit=5&tags=a%20b");
    CHECK(header_values(built->request, "Accept") == std::vector<std::string>{"*/*"});

    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://evil.example.com/cdn/resource"}})") ==
          "refused: https://evil.example.com is not a server of spec 'MamuteCloud API' (allowed: https://api.mamutecloud.com)");
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"http://api.mamutecloud.com/cdn/resource"}})"),
               Catch::StartsWith("refused: http://api.mamutecloud.com is not a server"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com:8443/cdn/resource"}})"),
               Catch::StartsWith("refused: https://api.mamutecloud.com:8443 is not a server"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://k:s@api.mamutecloud.com/cdn/resource"}})"),
               Catch::StartsWith("refused: URLs with user information"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"file:///etc/passwd"}})"), Catch::StartsWith("refused: scheme"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                 "queryString":[{"name":"nope","value":"1"}]}})"),
               Catch::Contains("unknown query parameter 'nope'"));
}

TEST_CASE("harRequest: matched path parameters are re-encoded, postData is sent as-is", "[upstream][builder]") {
    auto built = build(spec, R"({"harRequest":{"method":"PUT","url":"https://api.mamutecloud.com/cdn/resource/a%2Fb",
                                 "postData":{"mimeType":"application/json","text":"{\"distribution_domain\": \"my-site\"}"}}})");
    REQUIRE(built);
    CHECK(built->operation->path == "/cdn/resource/{id}");
    CHECK(built->request.target == "/cdn/resource/a%2Fb");
    CHECK(built->request.body == R"({"distribution_domain": "my-site"})");
    CHECK(header_values(built->request, "Content-Type") == std::vector<std::string>{"application/json"});
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"PUT","url":"https://api.mamutecloud.com/cdn/resource/42"}})"),
               Catch::Contains("requires a request body"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource/x/../.."}})"),
               Catch::Contains("no operation") || Catch::Contains("cannot be"));
}

TEST_CASE("harRequest with base_url: the real server is rewritten, base_url itself accepted", "[upstream][builder]") {
    const std::string base = "http://127.0.0.1:4010/mock";
    auto rewritten = build(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource/42"}})", {}, base);
    REQUIRE(rewritten);
    CHECK(rewritten->request.origin == Origin{"http", "127.0.0.1", 4010});
    CHECK(rewritten->request.target == "/mock/cdn/resource/42");
    auto direct = build(spec, R"({"harRequest":{"method":"GET","url":"http://127.0.0.1:4010/mock/cdn/resource/42"}})", {}, base);
    REQUIRE(direct);
    CHECK(direct->request.target == "/mock/cdn/resource/42");
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"http://127.0.0.1:4011/mock/cdn/resource/42"}})", {}, base),
               Catch::Contains("(allowed: http://127.0.0.1:4010, https://api.mamutecloud.com)"));
}

TEST_CASE("harRequest: server variables may take their enum values", "[upstream][builder]") {
    const auto regional = testing::regional_spec();
    auto built = build(regional, R"({"harRequest":{"method":"GET","url":"https://eu-west-1.api.example.com/v1/items/9"}})");
    REQUIRE(built);
    CHECK(built->request.origin.host == "eu-west-1.api.example.com");
    CHECK(built->request.target == "/v1/items/9");
    CHECK(error_of(regional, R"({"harRequest":{"method":"GET","url":"https://ap-south-1.api.example.com/v1/items/9"}})") ==
          "refused: https://ap-south-1.api.example.com is not a server of spec 'Regional API' (allowed: "
          "https://us-east-1.api.example.com, https://eu-west-1.api.example.com)");
    CHECK_THAT(error_of(regional, R"({"harRequest":{"method":"GET","url":"https://eu-west-1.api.example.com/items/9"}})"),
               Catch::Contains("no operation GET"));
}

TEST_CASE("a spec without an absolute server needs a base URL", "[upstream][builder]") {
    auto relative = testing::mamute_spec();
    relative.servers = {catalog::Server{"/api", "", {}}};
    CHECK_THAT(error_of(relative, R"({"method":"GET","path":"/cdn/resource"})"),
               Catch::Contains("no absolute http(s) server URL (servers: '/api')"));
    CHECK(build(relative, R"({"method":"GET","path":"/cdn/resource"})", {}, "https://staging.example.com")->request.target ==
          "/cdn/resource");
}

TEST_CASE("path styles label and matrix; concrete values keep their delimiters", "[upstream][builder]") {
    catalog::Spec styled;
    styled.title = "Styles";
    styled.servers = {catalog::Server{"https://styles.example.com", "", {}}};
    auto matrix = testing::param("coords", "path", true, "array");
    matrix.style = "matrix";
    auto label = testing::param("color", "path", true, "array");
    label.style = "label";
    label.explode = true;
    styled.operations = {testing::operation("get", "/points/{coords}", {matrix}),
                         testing::operation("get", "/colors/{color}", {label}),
                         testing::operation("get", "/users/{ids}", {testing::param("ids", "path", true, "array")})};
    CHECK(target_of(styled, R"({"method":"GET","path":"/points/{coords}","pathParams":{"coords":[1,2]}})") ==
          "/points/;coords=1,2");
    CHECK(target_of(styled, R"({"method":"GET","path":"/colors/{color}","pathParams":{"color":["red","a b"]}})") ==
          "/colors/.red.a%20b");
    CHECK(target_of(styled, R"({"method":"GET","path":"/users/{ids}","pathParams":{"ids":[1,2,3]}})") == "/users/1,2,3");
    CHECK(target_of(styled, R"({"method":"GET","path":"/users/1,2,3"})") == "/users/1,2,3");
    CHECK(target_of(styled, R"({"method":"GET","path":"/points/;coords=1,2"})") == "/points/;coords=1,2");
    CHECK_THAT(error_of(styled, R"({"method":"GET","path":"/colors/{color}","pathParams":{"color":"."}})"),
               Catch::Contains("refused: path parameter 'color' cannot be '..'"));
    CHECK_THAT(error_of(styled, R"({"method":"GET","path":"/users/%2e%2E"})"),
               Catch::Contains("refused: path parameter 'ids' cannot be '..'"));
}

TEST_CASE("multipart bodies and HAR cookies and form params", "[upstream][builder]") {
    auto multipart = build(spec, R"({"method":"POST","path":"/upload","contentType":"multipart/form-data",
                                     "body":{"file":{"filename":"a.txt","content":"hello"}}})");
    REQUIRE(multipart);
    CHECK(header_values(multipart->request, "Content-Type") ==
          std::vector<std::string>{"multipart/form-data; boundary=mamute-form-boundary"});
    CHECK_THAT(multipart->request.body, Catch::Contains("filename=\"a.txt\"") && Catch::Contains("\r\n\r\nhello\r\n"));

    auto har = build(spec, R"({"harRequest":{"method":"POST","url":"https://api.mamutecloud.com/upload",
        "headers":[{"name":"Cookie","value":"a=1"}],"cookies":[{"name":"sid","value":"xyz"}],
        "postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"q","value":"a b"},{"name":"n","value":"1"}]}}})");
    REQUIRE(har);
    CHECK(header_values(har->request, "Cookie") == std::vector<std::string>{"a=1; sid=xyz"});
    CHECK(har->request.body == "q=a%20b&n=1");
    CHECK(header_values(har->request, "Content-Type") == std::vector<std::string>{"application/x-www-form-urlencoded"});

    auto har_file = build(spec, R"({"harRequest":{"method":"POST","url":"https://api.mamutecloud.com/upload",
        "postData":{"mimeType":"multipart/form-data","params":[{"name":"f","fileName":"x.csv","contentType":"text/csv","value":"1,2"}]}}})");
    REQUIRE(har_file);
    CHECK_THAT(har_file->request.body, Catch::Contains("filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n1,2\r\n"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                 "cookies":[{"name":"a","value":"1; b=2"}]}})"),
               Catch::Contains("refused: cookie 'a'"));
}

TEST_CASE("oversized headers are refused with a short message", "[upstream][builder]") {
    const std::string big(70'000, 'a');
    auto value = error_of(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X-Big":")" + big + R"("}})");
    CHECK(value == "refused: header 'X-Big' is 70005 bytes; at most 8192 bytes per header (name and value)");
    auto name = error_of(spec, R"({"method":"GET","path":"/cdn/resource","headers":{")" + big + R"(":"1"}})");
    CHECK(name == "refused: header '" + std::string(200, 'a') + "…(70000 bytes)' is 70001 bytes; at most 8192 bytes "
                  "per header (name and value)");
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                 "headers":[{"name":"X-Big","value":")" + big + R"("}]}})"),
               Catch::StartsWith("refused: header 'X-Big' is 70005 bytes"));
    // Cookies joined into one header count as that header.
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                 "cookies":[{"name":"a","value":")" + std::string(5000, 'c') + R"("},
                                            {"name":"b","value":")" + std::string(5000, 'c') + R"("}]}})"),
               Catch::StartsWith("refused: header 'Cookie' is 10012 bytes"));
    std::string many = R"({"method":"GET","path":"/cdn/resource","headers":{)";
    for (int i = 0; i < 9; ++i) many += (i ? "," : "") + std::string("\"X-H") + std::to_string(i) + "\":\"" + std::string(8000, 'v') + "\"";
    CHECK_THAT(error_of(spec, many + "}}"),
               Catch::StartsWith("refused: the request headers add up to 72072 bytes; at most 65536 bytes in all"));
    auto credential = build(spec, R"({"method":"GET","path":"/cdn/resource"})", {{"Authorization", "Bearer " + big}});
    REQUIRE_FALSE(credential);
    CHECK(credential.error().message == "refused: the forwarded credential header 'Authorization' is 70020 bytes; "
                                        "at most 8192 bytes per header (name and value)");
    // At the limit: accepted.
    CHECK(build(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X-Big":")" + std::string(8187, 'a') + R"("}})"));
}

TEST_CASE("ports outside 1-65535 are refused in harRequest urls and base URLs", "[upstream][builder]") {
    // 104349 is 38813 modulo 65536: it used to match the base URL and be sent there.
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"http://127.0.0.1:104349/cdn/resource"}})", {},
                   "http://127.0.0.1:38813") ==
          "'http://127.0.0.1:104349/cdn/resource' has an invalid port '104349': a port is a number from 1 to 65535");
    CHECK(error_of(spec, R"({"method":"GET","path":"/cdn/resource"})", {}, "http://x.com:99999") ==
          "the configured base URL is unusable: 'http://x.com:99999' has an invalid port '99999': a port is a number "
          "from 1 to 65535");
}

TEST_CASE("a wrong-type or unknown method says what is expected", "[upstream][builder]") {
    const std::string expected = "one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE";
    CHECK(error_of(spec, R"({"method":5,"path":"/cdn/resource"})") == "'method' must be a string: " + expected);
    CHECK(error_of(spec, R"({"method":["GET"],"path":"/cdn/resource"})") == "'method' must be a string: " + expected);
    CHECK(error_of(spec, R"({"method":"FETCH","path":"/cdn/resource"})") ==
          "'method' must be " + expected + "; 'FETCH' is not an HTTP method");
    CHECK(error_of(spec, R"({"method":"","path":"/cdn/resource"})") == "'method' is required: " + expected);
    CHECK(error_of(spec, R"({"path":"/cdn/resource"})") == "'method' is required: " + expected);
    CHECK(error_of(spec, R"({"harRequest":{"method":7,"url":"https://api.mamutecloud.com/cdn/resource"}})") ==
          "'harRequest.method' must be a string: " + expected);
    CHECK(error_of(spec, R"({"method":")" + std::string(1000, 'X') + R"(","path":"/cdn/resource"})") ==
          "'method' must be " + expected + "; '" + std::string(200, 'X') + "…(1000 bytes)' is not an HTTP method");
    CHECK(error_of(spec, R"({"method":"GET","path":5})") ==
          "'path' must be a string: the spec path (/cdn/resource/{id}) or a concrete one (/cdn/resource/42)");
}

TEST_CASE("echoed agent values are cut to 200 bytes", "[upstream][builder]") {
    const std::string big(900'000, 'p');
    auto path = error_of(spec, R"({"method":"GET","path":"/)" + big + R"("})");
    CHECK(path.size() < 1000);
    CHECK_THAT(path, Catch::StartsWith("no operation GET /" + std::string(199, 'p') + "…(900001 bytes) in spec 'MamuteCloud API'."));
    CHECK(error_of(spec, R"({"method":"GET","path":"/cdn/resource","query":{")" + big + R"(":1}})").size() < 2000);
    CHECK(error_of(spec, R"({"method":"GET","path":"/cdn/resource/x","pathParams":{"id":")" + big + R"("}})").size() < 2000);
    CHECK(error_of(spec, R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{")" + big + R"(":1}})").size() < 2000);
    CHECK(error_of(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X":")" + big + "\\n" + R"("}})").size() < 2000);
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://evil.example.com/)" + big + R"("}})").size() < 2000);
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://)" + big + R"(.example.com/"}})").size() < 2000);
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/)" + big + R"("}})").size() < 2000);
}

TEST_CASE("harRequest and structured fields together are refused", "[upstream][builder]") {
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource"},
                             "method":"POST","path":"/security/apikey","body":{"name":"x"}})") ==
          "give either 'harRequest' or the structured fields, not both: 'harRequest' came with 'method', 'path', 'body'");
    CHECK(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource"},
                             "headers":{"Accept":"*/*"}})") ==
          "give either 'harRequest' or the structured fields, not both: 'harRequest' came with 'headers'");
    // null counts as absent, on either side.
    CHECK(build(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource"},"method":null})"));
    CHECK(build(spec, R"({"harRequest":null,"method":"GET","path":"/cdn/resource"})"));
}

TEST_CASE("an agent header replaced by a forwarded credential is reported", "[upstream][builder]") {
    const HeaderList credentials{{"X-API-Key", "real-key"}};
    auto built = build(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"x-api-key":"agent-key","Accept":"*/*"}})",
                       credentials);
    REQUIRE(built);
    CHECK(header_values(built->request, "X-API-Key") == std::vector<std::string>{"real-key"});
    CHECK(built->replaced_headers == std::vector<std::string>{"x-api-key"});
    auto har = build(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource",
                                "headers":[{"name":"X-API-KEY","value":"agent-key"}]}})", credentials);
    REQUIRE(har);
    CHECK(har->replaced_headers == std::vector<std::string>{"X-API-KEY"});
    // No credentials on the connection: the agent's header is sent, nothing replaced.
    auto plain = build(spec, R"({"method":"GET","path":"/cdn/resource","headers":{"X-API-Key":"agent-key"}})");
    REQUIRE(plain);
    CHECK(header_values(plain->request, "X-API-Key") == std::vector<std::string>{"agent-key"});
    CHECK(plain->replaced_headers.empty());
}

TEST_CASE("a body for an operation without requestBody is refused for GET, HEAD, DELETE and TRACE", "[upstream][builder]") {
    CHECK_THAT(error_of(spec, R"({"method":"GET","path":"/cdn/resource/42","body":{"a":1}})"),
               Catch::StartsWith("operation GET /cdn/resource/{id} takes no request body; leave out 'body'\n\nGET /cdn/resource/{id}"));
    CHECK_THAT(error_of(spec, R"({"method":"HEAD","path":"/health","body":"x"})"),
               Catch::StartsWith("operation HEAD /health takes no request body; leave out 'body'"));
    CHECK_THAT(error_of(spec, R"({"method":"DELETE","path":"/storage/object-storage/buckets/b/credentials/k","body":""})"),
               Catch::StartsWith("operation DELETE /storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId} "
                                 "takes no request body"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource/42",
                                 "postData":{"mimeType":"application/json","text":"{}"}}})"),
               Catch::StartsWith("operation GET /cdn/resource/{id} takes no request body; leave out 'harRequest.postData'"));
    // Absent, null or (in HAR) empty bodies are fine and nothing is sent.
    CHECK(build(spec, R"({"method":"GET","path":"/cdn/resource/42","body":null})")->request.body.empty());
    auto empty = build(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource/42",
                                 "postData":{"mimeType":"application/json","text":""}}})");
    REQUIRE(empty);
    CHECK(empty->request.body.empty());
    // Operations that declare a body still take one.
    CHECK(build(spec, R"({"method":"PUT","path":"/cdn/resource/42","body":{"a":1}})"));
}

TEST_CASE("a long concrete path is shortened in the same-path hint too", "[upstream][builder]") {
    auto message = error_of(spec, R"({"method":"DELETE","path":"/cdn/resource/)" + std::string(900'000, 'i') + R"("})");
    CHECK(message.size() < 1000);
    CHECK_THAT(message, Catch::Contains("exists with: GET, PUT"));
}

TEST_CASE("TRACE never carries a body, even when the spec declares one", "[upstream][builder]") {
    auto traced = testing::mamute_spec();
    traced.operations.push_back(testing::operation("trace", "/echo", {}, R"({"content": {"text/plain": {}}})"));
    CHECK_THAT(error_of(traced, R"({"method":"TRACE","path":"/echo","body":"x"})"),
               Catch::StartsWith("TRACE requests cannot carry a body; leave out 'body'"));
    CHECK(build(traced, R"({"method":"TRACE","path":"/echo"})"));
}

namespace {

catalog::Spec typed_spec() {
    catalog::Spec spec;
    spec.title = "Typed API";
    spec.servers = {catalog::Server{"https://api.example.com", "", {}}};
    auto status = testing::param("status", "query");
    status.schema = boost::json::parse(R"({"type": "string", "enum": ["active", "disabled"]})");
    auto session = testing::param("session", "cookie", true);
    auto prefs = testing::param("prefs", "cookie", false, "array");
    prefs.style = "form";
    prefs.explode = false;
    auto path_reserved = testing::param("path", "query");
    path_reserved.allow_reserved = true;
    spec.operations = {
        testing::operation("get", "/items/{id}", {testing::param("id", "path", true, "integer"), status,
                                                  testing::param("limit", "query", false, "integer"), path_reserved}),
        testing::operation("get", "/me", {session, prefs}),
        testing::operation("get", "/me#legacy", {testing::param("legacy", "cookie")}),
        testing::operation("post", "/items", {}, R"({"required": true, "content": {
            "application/merge-patch+json": {"schema": {"type": "object", "required": ["name"], "additionalProperties": false,
                "properties": {"name": {"type": "string"}, "size": {"type": "integer", "enum": [1, 2, 3]}}}},
            "application/octet-stream": {}}})"),
        testing::operation("post", "/form", {}, R"({"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": {"n": {"type": "integer"}, "tags": {"type": "array"}}},
            "encoding": {"tags": {"style": "form", "explode": false}, "filter": {"style": "deepObject"}}}}})"),
        testing::operation("post", "/files", {}, R"({"content": {"multipart/form-data": {
            "encoding": {"meta": {"contentType": "application/vnd.meta+json, text/plain"}}}}})"),
    };
    spec.security_schemes = boost::json::parse(R"({"cookieAuth": {"type": "apiKey", "in": "cookie", "name": "SID"}})").as_object();
    return spec;
}

const auto typed = typed_spec();

}  // namespace

TEST_CASE("values are checked against their schemas and every problem is reported at once", "[upstream][builder]") {
    const auto message = error_of(typed, R"({"method":"GET","path":"/items/abc","query":{"status":"paused","limit":"ten"}})");
    CHECK_THAT(message, Catch::StartsWith("invalid arguments, nothing was sent:\n"
                                          "- path parameter 'id': expected integer, got string 'abc'\n"
                                          "- query parameter 'status': 'paused' is not one of: active, disabled\n"
                                          "- query parameter 'limit': expected integer, got string 'ten'"));
    CHECK_THAT(message, Catch::Contains("GET /items/{id}"));  // what the operation expects follows
    // Numbers given as text are fine for parameters, which are sent as text anyway.
    CHECK(target_of(typed, R"({"method":"GET","path":"/items/{id}","pathParams":{"id":"42"},"query":{"limit":"5"}})") ==
          "/items/42?limit=5");
    const auto body = error_of(typed, R"({"method":"POST","path":"/items","body":{"size":4,"colour":"red"}})");
    CHECK_THAT(body, Catch::Contains("- body: missing required property 'name'") &&
                         Catch::Contains("- body.size: 4 is not one of: 1, 2, 3") &&
                         Catch::Contains("- body: unknown property 'colour' (known: name, size)"));
    CHECK_THAT(error_of(typed, R"({"method":"POST","path":"/items","body":"{\"name\":\"x\"}"})"),
               Catch::Contains("give the JSON value itself as body, not a string holding it"));
    CHECK_THAT(error_of(typed, R"({"harRequest":{"method":"POST","url":"https://api.example.com/items",
                                   "postData":{"mimeType":"application/merge-patch+json","text":"{\"name\": 5}"}}})"),
               Catch::Contains("body.name: expected string, got integer 5"));
    CHECK_THAT(error_of(typed, R"({"harRequest":{"method":"POST","url":"https://api.example.com/items",
                                   "postData":{"mimeType":"application/merge-patch+json","text":"{name"}}})"),
               Catch::Contains("harRequest.postData.text is not valid JSON"));
    // Checked as parsed (the last "name" wins) but sent as written, where an API may take the first.
    CHECK_THAT(error_of(typed, R"({"harRequest":{"method":"POST","url":"https://api.example.com/items",
                                   "postData":{"mimeType":"application/merge-patch+json",
                                               "text":"{\"name\": 5, \"name\": \"x\"}"}}})"),
               Catch::Contains("harRequest.postData.text has the key \"name\" twice in one object"));
    // Without a mimeType a text body went out unchecked as application/octet-stream. Now it takes the
    // operation's one media type, or the agent must name one of several.
    CHECK_THAT(error_of(typed, R"({"harRequest":{"method":"POST","url":"https://api.example.com/items",
                                   "postData":{"text":"{\"name\": 5, \"name\": \"x\"}"}}})"),
               Catch::Contains("harRequest.postData needs a mimeType: POST /items takes application/merge-patch+json, "
                               "application/octet-stream"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"POST","url":"https://api.mamutecloud.com/security/apikey",
                                  "postData":{"text":"{\"name\": \"a\", \"name\": \"b\"}"}}})"),
               Catch::Contains("has the key \"name\" twice in one object"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"POST","url":"https://api.mamutecloud.com/security/apikey",
                                  "postData":{"text":"{\"wrong\": [1, 2]}"}}})"),
               Catch::Contains("body: missing required property 'name'"));
    auto implied = build(typed, R"({"harRequest":{"method":"POST","url":"https://api.example.com/form",
                                   "postData":{"text":"a=1&b=2"}}})");
    REQUIRE(implied);
    CHECK(header_values(implied->request, "Content-Type") ==
          std::vector<std::string>{"application/x-www-form-urlencoded"});
}

TEST_CASE("the media type comes from the operation; base64 bodies are sent as raw bytes", "[upstream][builder]") {
    auto json_body = build(typed, R"({"method":"POST","path":"/items","body":{"name":"x"}})");
    REQUIRE(json_body);
    CHECK(header_values(json_body->request, "Content-Type") == std::vector<std::string>{"application/merge-patch+json"});
    auto binary = build(typed, R"({"method":"POST","path":"/items","body":{"base64":"AAEC/w=="}})");
    REQUIRE(binary);
    CHECK(header_values(binary->request, "Content-Type") == std::vector<std::string>{"application/octet-stream"});
    CHECK(binary->request.body == std::string("\x00\x01\x02\xff", 4));
    CHECK_THAT(error_of(typed, R"({"method":"POST","path":"/items","contentType":"application/octet-stream","body":{"base64":"%%%"}})"),
               Catch::Contains("body.'base64' is not valid base64 text"));
    CHECK_THAT(error_of(typed, R"({"method":"POST","path":"/items","contentType":"text/csv","body":"a,b"})"),
               Catch::Contains("contentType 'text/csv' is not one that POST /items takes: application/merge-patch+json, "
                               "application/octet-stream"));
}

TEST_CASE("cookie parameters are serialised per style into one Cookie header", "[upstream][builder]") {
    auto built = build(typed, R"({"method":"GET","path":"/me","cookies":{"session":"a b;c","prefs":["x","y"],"SID":"s1"},
                                  "headers":{"Cookie":"theme=dark"}})");
    REQUIRE(built);
    CHECK(header_values(built->request, "Cookie") == std::vector<std::string>{"theme=dark; session=a%20b%3Bc; prefs=x,y; SID=s1"});
    CHECK_THAT(error_of(typed, R"({"method":"GET","path":"/me","cookies":{"sesion":"x"}})"),
               Catch::Contains("unknown cookie 'sesion'; known cookie parameters: session, prefs"));
    CHECK_THAT(error_of(typed, R"({"method":"GET","path":"/me"})"), Catch::Contains("missing required cookie 'session'"));
    CHECK(serialize_cookie("c", true, boost::json::parse(R"(["a","b"])")) == "c=a; c=b");
    CHECK(serialize_cookie("c", true, boost::json::parse(R"({"R":100,"G":"x y"})")) == "R=100; G=x%20y");
    CHECK(serialize_cookie("c", false, boost::json::parse(R"({"R":100,"G":200})")) == "c=R,100,G,200");
}

TEST_CASE("a '#' in a path is accepted only where the spec writes one, and never sent", "[upstream][builder]") {
    auto built = build(typed, R"({"method":"GET","path":"/me#legacy","cookies":{"legacy":"1"}})");
    REQUIRE(built);
    CHECK(built->request.target == "/me");
    CHECK(header_values(built->request, "Cookie") == std::vector<std::string>{"legacy=1"});
    CHECK_THAT(error_of(typed, R"({"method":"GET","path":"/items/1#x"})"), Catch::Contains("must not contain a fragment"));
}

TEST_CASE("allowReserved keeps reserved characters in query values, but never ones that split the query",
          "[upstream][builder]") {
    CHECK(target_of(typed, R"({"method":"GET","path":"/items/1","query":{"path":"/a/b:c@d?e[f]&g=h+i#j"}})") ==
          "/items/1?path=/a/b:c@d?e[f]%26g%3Dh%2Bi%23j");
}

TEST_CASE("form fields follow their encoding's style; multipart parts their contentType", "[upstream][builder]") {
    auto form = build(typed, R"({"method":"POST","path":"/form","body":{"n":1,"tags":["a","b"],"filter":{"k":"v"},"more":[1,2]}})");
    REQUIRE(form);
    CHECK(form->request.body == "n=1&tags=a,b&filter%5Bk%5D=v&more=1&more=2");
    CHECK_THAT(error_of(typed, R"({"method":"POST","path":"/form","body":{"n":"one"}})"),
               Catch::Contains("body.n: expected integer, got string 'one'"));
    auto multipart = build(typed, R"({"method":"POST","path":"/files","body":{"meta":{"a":1},
        "pics":[{"filename":"a.png","base64":"iVBO"},{"filename":"b.png","content":"x","contentType":"image/png"}]}})");
    REQUIRE(multipart);
    CHECK(multipart->request.body ==
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/vnd.meta+json\r\n\r\n"
          "{\"a\":1}\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"pics\"; filename=\"a.png\"\r\n"
          "Content-Type: application/octet-stream\r\n\r\n\x89PN\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"pics\"; filename=\"b.png\"\r\n"
          "Content-Type: image/png\r\n\r\nx\r\n"
          "--mamute-form-boundary--\r\n");
}

TEST_CASE("server: the agent picks a server and its variables, never another host", "[upstream][builder]") {
    const auto regional = testing::regional_spec();
    auto eu = build(regional, R"({"method":"GET","path":"/items/1","server":{"variables":{"region":"eu-west-1","version":"v2/beta"}}})");
    REQUIRE(eu);
    CHECK(eu->request.origin.host == "eu-west-1.api.example.com");
    CHECK(eu->request.target == "/v2/beta/items/1");
    CHECK_THAT(error_of(regional, R"({"method":"GET","path":"/items/1","server":{"variables":{"region":"evil.com#"}}})"),
               Catch::Contains("server variable 'region' must be one of: us-east-1, eu-west-1"));
    CHECK_THAT(error_of(regional, R"({"method":"GET","path":"/items/1","server":{"variables":{"version":"../admin"}}})"),
               Catch::Contains("refused: server variable 'version' may only hold"));
    CHECK_THAT(error_of(regional, R"({"method":"GET","path":"/items/1","server":{"variables":{"zone":"a"}}})"),
               Catch::Contains("has no variable 'zone'; its variables: region, version"));
    CHECK_THAT(error_of(regional, R"({"method":"GET","path":"/items/1","server":{"url":"https://evil.example.com"}})"),
               Catch::Contains("is not a server of GET /items/{id}"));
    auto host_spec = regional;
    host_spec.servers = {catalog::Server{"https://{tenant}.example.com", "", {catalog::ServerVariable{"tenant", "demo", "", {}}}}};
    CHECK_THAT(error_of(host_spec, R"({"method":"GET","path":"/items/1","server":{"variables":{"tenant":"attacker"}}})"),
               Catch::Contains("refused: server variable 'tenant' is part of the host"));
    auto listed = build(host_spec, R"({"method":"GET","path":"/items/1","server":{"url":"https://{tenant}.example.com/","variables":{"tenant":"demo"}}})");
    REQUIRE(listed);
    CHECK(listed->request.origin.host == "demo.example.com");
    // base_url wins over any server choice.
    auto based = build(regional, R"({"method":"GET","path":"/items/1","server":{"variables":{"region":"eu-west-1"}}})", {},
                       std::string("http://127.0.0.1:9"));
    REQUIRE(based);
    CHECK(based->request.origin.port == 9);
}

TEST_CASE("credentials go only where the operation's security schemes put them", "[upstream][builder][safety]") {
    catalog::Spec secured;
    secured.title = "Secured API";
    secured.servers = {catalog::Server{"https://api.example.com", "", {}}};
    secured.security_schemes = boost::json::parse(R"({
        "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
        "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session_key"},
        "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "bearer": {"type": "http", "scheme": "bearer"}})").as_object();
    auto with_security = [](catalog::Operation op, const char* security) {
        op.security = boost::json::parse(security);
        return op;
    };
    secured.operations = {
        with_security(testing::operation("get", "/public"), "[]"),
        with_security(testing::operation("get", "/by-query"), R"([{"queryKey": []}])"),
        with_security(testing::operation("get", "/by-cookie"), R"([{"cookieKey": []}])"),
        with_security(testing::operation("get", "/by-bearer"), R"([{"bearer": []}])"),
        with_security(testing::operation("get", "/either"), R"([{"headerKey": []}, {"bearer": []}])"),
    };
    const HeaderList credentials = {{"X-API-Key", "mk/live+1="}, {"Authorization", "Bearer tok"}};
    auto sent = [&](const std::string& path) {
        auto built = build(secured, R"({"method":"GET","path":")" + path + R"("})", credentials);
        REQUIRE(built);
        return built->request;
    };
    const auto open = sent("/public");  // another vendor's public endpoint never sees the key
    CHECK(header_values(open, "X-API-Key").empty());
    CHECK(header_values(open, "Authorization").empty());
    CHECK(open.target == "/public");
    const auto query = sent("/by-query");
    CHECK(query.target == "/by-query?api_key=mk%2Flive%2B1%3D");
    CHECK(header_values(query, "X-API-Key").empty());
    CHECK(header_values(sent("/by-cookie"), "Cookie") == std::vector<std::string>{"session_key=mk%2Flive%2B1%3D"});
    const auto bearer = sent("/by-bearer");
    CHECK(header_values(bearer, "Authorization") == std::vector<std::string>{"Bearer tok"});
    CHECK(header_values(bearer, "X-API-Key").empty());
    const auto either = sent("/either");
    CHECK(header_values(either, "X-API-Key") == std::vector<std::string>{"mk/live+1="});
    CHECK(header_values(either, "Authorization") == std::vector<std::string>{"Bearer tok"});
    // The connection's key wins over one written in the arguments.
    auto given = build(secured, R"({"method":"GET","path":"/by-query?api_key=mine"})", credentials);
    REQUIRE(given);
    CHECK(given->request.target == "/by-query?api_key=mk%2Flive%2B1%3D");
    // A spec that declares no security at all gets every credential as a header, as before.
    CHECK(header_values(build(spec, R"({"method":"GET","path":"/cdn/resource"})", credentials)->request, "X-API-Key") ==
          std::vector<std::string>{"mk/live+1="});
}

TEST_CASE("query values written into the path are checked too, and a single-valued parameter is given once",
          "[upstream][builder]") {
    CHECK_THAT(error_of(typed, R"({"method":"GET","path":"/items/1?limit=abc&status=paused"})"),
               Catch::Contains("- query parameter 'limit': expected integer, got string 'abc'") &&
                   Catch::Contains("- query parameter 'status': 'paused' is not one of: active, disabled"));
    CHECK_THAT(error_of(typed, R"({"method":"GET","path":"/items/1?limit=1","query":{"limit":2}})"),
               Catch::Contains("query parameter 'limit': given 2 times"));
    CHECK_THAT(error_of(spec, R"({"harRequest":{"method":"GET","url":"https://api.mamutecloud.com/cdn/resource?limit=x"}})"),
               Catch::Contains("query parameter 'limit': expected integer"));
}

TEST_CASE("an exploded object's properties cannot pose as other query parameters", "[upstream][builder]") {
    auto spread_spec = typed;
    auto form = testing::param("form", "query", false, "object");
    spread_spec.operations.push_back(testing::operation("get", "/search", {form, testing::param("limit", "query", false, "integer")}));
    CHECK(target_of(spread_spec, R"({"method":"GET","path":"/search","query":{"form":{"color":"blue"}}})") ==
          "/search?color=blue");
    CHECK_THAT(error_of(spread_spec, R"({"method":"GET","path":"/search","query":{"limit":5,"form":{"limit":"6"}}})"),
               Catch::Contains("refused: query parameter 'form' is an exploded object, so its property 'limit' would be "
                               "sent as query parameter 'limit'"));
}

TEST_CASE("binary form fields take files; control bytes in headers and overlong URLs are refused", "[upstream][builder]") {
    auto upload_spec = typed;
    upload_spec.operations.push_back(testing::operation("post", "/avatar", {}, R"({"content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}}}}}})"));
    auto structured = build(upload_spec, R"({"method":"POST","path":"/avatar","body":{"image":{"filename":"a.png","base64":"iVBO"}}})");
    REQUIRE(structured);
    CHECK_THAT(structured->request.body, Catch::Contains("filename=\"a.png\""));
    auto har = build(upload_spec, R"({"harRequest":{"method":"POST","url":"https://api.example.com/avatar","postData":{
        "mimeType":"multipart/form-data","params":[{"name":"image","fileName":"a.png","contentType":"image/png","value":"x"}]}}})");
    REQUIRE(har);
    CHECK_THAT(har->request.body, Catch::Contains("Content-Type: image/png\r\n\r\nx\r\n"));
    CHECK_THAT(error_of(typed, "{\"method\":\"GET\",\"path\":\"/me\",\"cookies\":{\"session\":\"s\"},\"headers\":{\"X-A\":\"a\\u000bb\"}}"),
               Catch::Contains("contains a control character"));
    CHECK_FALSE(is_valid_header_value(std::string("a\x7f", 2)));
    CHECK(is_valid_header_value("tab\tand spaces and caf\xc3\xa9"));
}
