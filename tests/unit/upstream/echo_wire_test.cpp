// The bytes on the wire: execute-request arguments -> build_request -> Client::send -> a raw echo upstream
// that answers with exactly what it received. Expected targets follow the OpenAPI 3.0.3 style examples table
// (https://spec.openapis.org/oas/v3.0.3#style-examples) with primitive = "blue",
// array = ["blue","black","brown"], object = {"R":100,"G":200,"B":150}.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "catalog/catalog.hpp"
#include "echo_server.hpp"
#include "spec_fixture.hpp"
#include "test_certificate.hpp"
#include "upstream/client.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/url_encoding.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace mamute;
using namespace mamute::upstream;

namespace {

// What the echo upstream saw, split at the first CRLF and at the blank line.
struct Wire {
    std::string port;
    std::string raw;
    std::string request_line;
    std::string head;  // header lines, each ending in CRLF
    std::string body;

    std::string target() const {
        const auto first = request_line.find(' '), last = request_line.rfind(' ');
        return request_line.substr(first + 1, last - first - 1);
    }
    // The value of a header (first one, case-insensitive name); nullopt when absent.
    std::optional<std::string> header(std::string_view name) const {
        std::size_t at = 0;
        while (at < head.size()) {
            const auto end = head.find("\r\n", at);
            const auto line = head.substr(at, end - at);
            const auto colon = line.find(':');
            if (colon != std::string::npos && iequals(line.substr(0, colon), name)) {
                auto value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                return value;
            }
            at = end + 2;
        }
        return std::nullopt;
    }
};

const testing::TestCertificate& certificate() {
    static const auto cert = testing::make_certificate("IP:127.0.0.1");
    return cert;
}

// Builds the request from `args` against `spec` with base_url = the echo upstream, sends it, returns the echo.
Wire round_trip(const catalog::Spec& spec, const std::string& args_json, bool https = false) {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = std::to_string(acceptor.local_endpoint().port());
    const std::string base_url = (https ? "https" : "http") + std::string("://127.0.0.1:") + port;

    auto built = build_request(spec, json::parse(args_json).as_object(), {}, base_url);
    INFO(args_json);
    if (!built) FAIL(built.error().message);

    testing::TempFile ca("mamute-echo-ca", certificate().cert_pem);
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(2000);
    config.total_timeout = std::chrono::milliseconds(5000);
    if (https) config.ca_file = ca.path.string();
    Client client(config);

    asio::ssl::context tls(asio::ssl::context::tls_server);
    if (https) {
        tls.use_certificate_chain(asio::buffer(certificate().cert_pem));
        tls.use_private_key(asio::buffer(certificate().key_pem), asio::ssl::context::pem);
        asio::co_spawn(io, testing::echo_https(acceptor, tls), asio::detached);
    } else {
        asio::co_spawn(io, testing::echo_http(acceptor), asio::detached);
    }
    std::optional<Expected<Response, Failure>> result;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { result.emplace(co_await client.send(built->request)); }, asio::detached);
    io.run();
    REQUIRE(result.has_value());
    if (!*result) FAIL(result->error().message);
    REQUIRE((*result)->status == 200);

    Wire wire;
    wire.port = port;
    wire.raw = (*result)->body;
    const auto line_end = wire.raw.find("\r\n");
    const auto head_end = wire.raw.find("\r\n\r\n");
    REQUIRE(line_end != std::string::npos);
    REQUIRE(head_end != std::string::npos);
    wire.request_line = wire.raw.substr(0, line_end);
    wire.head = wire.raw.substr(line_end + 2, head_end + 2 - (line_end + 2));
    wire.body = wire.raw.substr(head_end + 4);
    CHECK(wire.header("Host") == "127.0.0.1:" + port);
    return wire;
}

std::optional<catalog::Spec> parameters_style_spec() {
    // MAMUTE_OAS_EXAMPLES is the folder the [oas-examples] ctest entry passes; else the npm install in tests/.
    const char* folder = std::getenv("MAMUTE_OAS_EXAMPLES");
    const std::string path = (folder && *folder ? std::string(folder)
                                                : std::string(MAMUTE_SOURCE_DIR) + "/tests/node_modules/@readme/oas-examples") +
                             "/3.0/json/parameters-style.json";
    if (!std::filesystem::exists(path)) return std::nullopt;
    auto spec = catalog::load_spec_file(path);
    if (!spec) FAIL(spec.error().message);
    return std::move(*spec);
}

constexpr const char* three_values =
    R"("primitive": "blue", "array": ["blue", "black", "brown"], "object": {"R": 100, "G": 200, "B": 150})";

std::string path_args(const std::string& method, const std::string& path) {
    return R"({"method": ")" + method + R"(", "path": ")" + path + R"(", "pathParams": {)" + three_values + "}}";
}
std::string query_args(const std::string& method, const std::string& path, const std::string& values) {
    return R"({"method": ")" + method + R"(", "path": ")" + path + R"(", "query": {)" + values + "}}";
}

}  // namespace

TEST_CASE("echo: path parameters of parameters-style.json, every style and explode", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    struct Row {
        const char* method;
        const char* path;
        const char* target;
    };
    const Row rows[] = {
        // no style: simple, explode false
        {"get", "/anything/path/{primitive}/{array}/{object}", "/anything/path/blue/blue,black,brown/R,100,G,200,B,150"},
        {"get", "/anything/path/simple/{primitive}/{array}/{object}",
         "/anything/path/simple/blue/blue,black,brown/R,100,G,200,B,150"},
        {"post", "/anything/path/simple/{primitive}/{array}/{object}",
         "/anything/path/simple/blue/blue,black,brown/R=100,G=200,B=150"},
        {"get", "/anything/path/label/{primitive}/{array}/{object}",
         "/anything/path/label/.blue/.blue,black,brown/.R,100,G,200,B,150"},
        {"post", "/anything/path/label/{primitive}/{array}/{object}",
         "/anything/path/label/.blue/.blue.black.brown/.R=100.G=200.B=150"},
        {"get", "/anything/path/matrix/{primitive}/{array}/{object}",
         "/anything/path/matrix/;primitive=blue/;array=blue,black,brown/;object=R,100,G,200,B,150"},
        {"post", "/anything/path/matrix/{primitive}/{array}/{object}",
         "/anything/path/matrix/;primitive=blue/;array=blue;array=black;array=brown/;R=100;G=200;B=150"},
    };
    for (const auto& row : rows) {
        INFO(row.method << " " << row.path);
        const auto wire = round_trip(*spec, path_args(row.method, row.path));
        CHECK(wire.request_line == std::string(row.method == std::string("get") ? "GET " : "POST ") + row.target + " HTTP/1.1");
        CHECK(wire.body.empty());
    }
}

TEST_CASE("echo: query parameters of parameters-style.json, every style and explode", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    const std::string array_only = R"("array": ["blue", "black", "brown"])";
    const std::string object_only = R"("object": {"R": 100, "G": 200, "B": 150})";
    struct Row {
        std::string method, path, values, target;
    };
    const Row rows[] = {
        // no style: form, explode true
        {"get", "/anything/query", three_values,
         "/anything/query?primitive=blue&array=blue&array=black&array=brown&R=100&G=200&B=150"},
        {"get", "/anything/query/form", three_values,
         "/anything/query/form?primitive=blue&array=blue,black,brown&object=R,100,G,200,B,150"},
        {"post", "/anything/query/form", three_values,
         "/anything/query/form?primitive=blue&array=blue&array=black&array=brown&R=100&G=200&B=150"},
        // The table writes these unescaped; space and '|' are not allowed in a query (RFC 3986), so %20 and %7C.
        {"get", "/anything/query/spaceDelimited", array_only, "/anything/query/spaceDelimited?array=blue%20black%20brown"},
        {"get", "/anything/query/spaceDelimited", object_only,
         "/anything/query/spaceDelimited?object=R%20100%20G%20200%20B%20150"},
        {"get", "/anything/query/pipeDelimited", array_only, "/anything/query/pipeDelimited?array=blue%7Cblack%7Cbrown"},
        {"get", "/anything/query/pipeDelimited", object_only,
         "/anything/query/pipeDelimited?object=R%7C100%7CG%7C200%7CB%7C150"},
        {"get", "/anything/query/deepObject", object_only,
         "/anything/query/deepObject?object%5BR%5D=100&object%5BG%5D=200&object%5BB%5D=150"},
    };
    for (const auto& row : rows) {
        INFO(row.method << " " << row.path << " " << row.values);
        const auto wire = round_trip(*spec, query_args(row.method, row.path, row.values));
        CHECK(wire.target() == row.target);
    }
}

TEST_CASE("echo: header parameters of parameters-style.json, simple style", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    struct Row {
        const char* method;
        const char* path;
        const char* object;
    };
    const Row rows[] = {
        {"get", "/anything/headers", "R,100,G,200,B,150"},         // no style: simple, explode false
        {"get", "/anything/headers/simple", "R,100,G,200,B,150"},  // simple, explode false
        {"post", "/anything/headers/simple", "R=100,G=200,B=150"}, // simple, explode true
    };
    for (const auto& row : rows) {
        INFO(row.method << " " << row.path);
        const auto wire = round_trip(*spec, std::string(R"({"method": ")") + row.method + R"(", "path": ")" + row.path +
                                                R"(", "headers": {)" + three_values + "}}");
        CHECK(wire.header("primitive") == "blue");
        CHECK(wire.header("array") == "blue,black,brown");
        CHECK(wire.header("object") == row.object);
        CHECK(wire.target() == row.path);  // nothing leaked into the query
    }
}

TEST_CASE("echo: hostile path and query values stay inside their segment, over HTTP and HTTPS", "[echo][upstream]") {
    catalog::Spec spec;
    spec.title = "Echo API";
    spec.servers = {catalog::Server{"https://api.example.com", "", {}}};
    spec.operations = {testing::operation("get", "/files/{a}/{b}/{c}/{d}",
                                          {testing::param("a", "path"), testing::param("b", "path"), testing::param("c", "path"),
                                           testing::param("d", "path"), testing::param("q", "query")})};
    const std::string args =
        R"({"method": "GET", "path": "/files/{a}/{b}/{c}/{d}",
            "pathParams": {"a": "../../admin", "b": "a?x=1", "c": "00000", "d": "über"},
            "query": {"q": "a?x=1&y=../#z über"}})";
    const std::string expected =
        "GET /files/..%2F..%2Fadmin/a%3Fx%3D1/00000/%C3%BCber?q=a%3Fx%3D1%26y%3D..%2F%23z%20%C3%BCber HTTP/1.1";
    SECTION("http") { CHECK(round_trip(spec, args).request_line == expected); }
    SECTION("https") { CHECK(round_trip(spec, args, true).request_line == expected); }
}

TEST_CASE("echo: JSON, form and multipart bodies byte for byte", "[echo][upstream]") {
    catalog::Spec spec;
    spec.title = "Echo API";
    spec.servers = {catalog::Server{"https://api.example.com", "", {}}};
    spec.operations = {
        testing::operation("post", "/json", {}, R"({"content": {"application/json": {}}})"),
        testing::operation("post", "/form", {}, R"({"content": {"application/x-www-form-urlencoded": {}}})"),
        testing::operation("post", "/multipart", {}, R"({"content": {"multipart/form-data": {}}})"),
    };
    SECTION("a JSON string body is a JSON string") {
        const auto wire = round_trip(spec, R"({"method": "POST", "path": "/json", "body": "hello \"world\""})");
        CHECK(wire.request_line == "POST /json HTTP/1.1");
        CHECK(wire.header("Content-Type") == "application/json");
        CHECK(wire.header("Content-Length") == "17");
        CHECK(wire.body == R"("hello \"world\"")");
    }
    SECTION("the whole request, byte for byte") {
        const auto wire = round_trip(spec, R"({"method": "POST", "path": "/json", "body": "x", "headers": {"X-Trace": "t 1"}})");
        CHECK(wire.raw == "POST /json HTTP/1.1\r\nHost: 127.0.0.1:" + wire.port +
                              "\r\nUser-Agent: mamute-mcp/" MAMUTE_VERSION
                              "\r\nAccept-Encoding: identity\r\nX-Trace: t 1\r\nContent-Type: application/json\r\n"
                              "Content-Length: 3\r\n\r\n\"x\"");
    }
    SECTION("a JSON number body is a JSON number") {
        const auto wire = round_trip(spec, R"({"method": "POST", "path": "/json", "body": -42})");
        CHECK(wire.header("Content-Type") == "application/json");
        CHECK(wire.header("Content-Length") == "3");
        CHECK(wire.body == "-42");
    }
    SECTION("a JSON object body, over HTTPS") {
        const auto wire = round_trip(spec, R"({"method": "POST", "path": "/json", "body": {"a": [1, true, null]}})", true);
        CHECK(wire.body == R"({"a":[1,true,null]})");
    }
    SECTION("application/x-www-form-urlencoded") {
        const auto wire =
            round_trip(spec, R"({"method": "POST", "path": "/form", "body": {"name": "a b&c=d", "qty": 3, "city": "São Paulo"}})");
        CHECK(wire.header("Content-Type") == "application/x-www-form-urlencoded");
        CHECK(wire.body == "name=a%20b%26c%3Dd&qty=3&city=S%C3%A3o%20Paulo");
        CHECK(wire.header("Content-Length") == std::to_string(wire.body.size()));
    }
    SECTION("multipart/form-data: text, file and JSON parts") {
        const auto wire = round_trip(spec, R"({"method": "POST", "path": "/multipart", "body": {
            "primitive": "blue", "array": ["blue", "black"],
            "file": {"filename": "a \"b\".txt", "content": "line 1\r\nline 2", "contentType": "text/plain"}}})");
        CHECK(wire.header("Content-Type") == "multipart/form-data; boundary=mamute-form-boundary");
        CHECK(wire.body ==
              "--mamute-form-boundary\r\n"
              "Content-Disposition: form-data; name=\"primitive\"\r\n\r\nblue\r\n"
              "--mamute-form-boundary\r\n"
              "Content-Disposition: form-data; name=\"array\"\r\n\r\nblue\r\n"
              "--mamute-form-boundary\r\n"
              "Content-Disposition: form-data; name=\"array\"\r\n\r\nblack\r\n"
              "--mamute-form-boundary\r\n"
              "Content-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.txt\"\r\nContent-Type: text/plain\r\n\r\n"
              "line 1\r\nline 2\r\n"
              "--mamute-form-boundary--\r\n");
        CHECK(wire.header("Content-Length") == std::to_string(wire.body.size()));
    }
    SECTION("multipart/form-data: a boundary that occurs in the content is not used") {
        const auto wire = round_trip(
            spec, R"({"method": "POST", "path": "/multipart", "body": {"text": "x\r\n--mamute-form-boundary--\r\n"}})");
        const auto type = wire.header("Content-Type").value_or("");
        REQUIRE(type.starts_with("multipart/form-data; boundary="));
        const auto boundary = type.substr(std::string("multipart/form-data; boundary=").size());
        CHECK(boundary != "mamute-form-boundary");
        CHECK(wire.body == "--" + boundary + "\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" +
                               "x\r\n--mamute-form-boundary--\r\n" + "\r\n--" + boundary + "--\r\n");
    }
}

TEST_CASE("echo: multipart body of parameters-style.json form-data operation", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    const auto wire = round_trip(*spec, std::string(R"({"method": "POST", "path": "/anything/form-data", "body": {)") +
                                            three_values + "}}");
    CHECK(wire.header("Content-Type") == "multipart/form-data; boundary=mamute-form-boundary");
    CHECK(wire.body ==
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"primitive\"\r\n\r\nblue\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"array\"\r\n\r\nblue\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"array\"\r\n\r\nblack\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"array\"\r\n\r\nbrown\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"object\"\r\nContent-Type: application/json\r\n\r\n"
          "{\"R\":100,\"G\":200,\"B\":150}\r\n"
          "--mamute-form-boundary--\r\n");
}

TEST_CASE("echo: array and object header values only for declared header parameters, never with CR or LF",
          "[echo][upstream]") {
    catalog::Spec spec;
    spec.title = "Echo API";
    spec.servers = {catalog::Server{"https://api.example.com", "", {}}};
    auto tags = testing::param("X-Tags", "header", false, "array");
    spec.operations = {testing::operation("get", "/h", {tags})};
    auto build = [&](const std::string& headers) {
        return build_request(spec, json::parse(R"({"method": "GET", "path": "/h", "headers": )" + headers + "}").as_object(),
                             {}, std::nullopt);
    };
    auto ok = build(R"({"x-tags": ["a", 1, true]})");
    REQUIRE(ok);
    CHECK(ok->request.headers == HeaderList{{"x-tags", "a,1,true"}});
    auto undeclared = build(R"({"X-Other": ["a", "b"]})");
    REQUIRE_FALSE(undeclared);
    CHECK(undeclared.error().message.starts_with("header 'X-Other' must be a string, number or boolean"));
    auto split = build(R"({"X-Tags": ["a\r\nX-Evil: 1"]})");
    REQUIRE_FALSE(split);
    CHECK(split.error().message == "refused: the value of header 'X-Tags' contains a control character (CR, LF, NUL, ...)");
}

TEST_CASE("echo: cookie parameters of parameters-style.json, form style exploded and not", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    const std::string values = std::string(R"("cookies": {)") + three_values + "}";
    const std::string exploded = "primitive=blue; array=blue; array=black; array=brown; R=100; G=200; B=150";
    for (const auto& [path, cookie] : std::vector<std::pair<std::string, std::string>>{
             {"/cookies", exploded},
             {"/cookies#formExploded", exploded},
             {"/cookies#formNonExploded", "primitive=blue; array=blue,black,brown; object=R,100,G,200,B,150"}}) {
        INFO(path);
        for (const bool https : {false, true}) {
            const auto wire = round_trip(*spec, R"({"method": "GET", "path": ")" + path + R"(", )" + values + "}", https);
            CHECK(wire.request_line == "GET /cookies HTTP/1.1");  // the '#' suffix only names the operation
            CHECK(wire.header("Cookie") == cookie);
        }
    }
}

TEST_CASE("echo: multipart fields of parameters-style.json follow their encoding's style", "[echo][upstream]") {
    auto spec = parameters_style_spec();
    if (!spec) {
        WARN("tests/node_modules/@readme/oas-examples is absent: run npm ci in tests/");
        return;
    }
    auto part = [](const std::string& name, const std::string& content) {
        return "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + content + "\r\n";
    };
    const std::string end = "--mamute-form-boundary--\r\n";
    struct Row {
        const char* method;
        const char* path;
        std::string body;
    };
    const Row rows[] = {
        {"POST", "/anything/form-data/form",
         part("primitive", "blue") + part("array", "blue,black,brown") + part("object", "R,100,G,200,B,150") + end},
        {"PUT", "/anything/form-data/form",
         part("primitive", "blue") + part("array", "blue") + part("array", "black") + part("array", "brown") +
             part("R", "100") + part("G", "200") + part("B", "150") + end},
        {"POST", "/anything/form-data/spaceDelimited",
         part("primitive", "blue") + part("array", "blue black brown") + part("object", "R 100 G 200 B 150") + end},
        {"POST", "/anything/form-data/pipeDelimited",
         part("primitive", "blue") + part("array", "blue|black|brown") + part("object", "R|100|G|200|B|150") + end},
        {"POST", "/anything/form-data/deepObject",
         part("primitive", "blue") + part("array", "blue") + part("array", "black") + part("array", "brown") +
             part("object[R]", "100") + part("object[G]", "200") + part("object[B]", "150") + end},
    };
    for (const auto& row : rows) {
        INFO(row.method << " " << row.path);
        const auto wire = round_trip(*spec, std::string(R"({"method": ")") + row.method + R"(", "path": ")" + row.path +
                                                R"(", "body": {)" + three_values + "}}");
        CHECK(wire.header("Content-Type") == "multipart/form-data; boundary=mamute-form-boundary");
        CHECK(wire.body == row.body);
        CHECK(wire.header("Content-Length") == std::to_string(wire.body.size()));
    }
}

TEST_CASE("echo: binary bodies given as base64 arrive as the exact bytes", "[echo][upstream]") {
    catalog::Spec spec;
    spec.title = "Echo API";
    spec.servers = {catalog::Server{"https://api.example.com", "", {}}};
    spec.operations = {
        testing::operation("put", "/blob", {}, R"({"content": {"application/octet-stream": {}}})"),
        testing::operation("post", "/upload", {}, R"({"content": {"multipart/form-data": {}}})"),
    };
    const std::string bytes("\x00\xff\r\n\x89PNG", 8);
    for (const bool https : {false, true}) {
        const auto wire = round_trip(spec, R"({"method": "PUT", "path": "/blob", "body": {"base64": "AP8NColQTkc="}})", https);
        CHECK(wire.header("Content-Type") == "application/octet-stream");
        CHECK(wire.header("Content-Length") == "8");
        CHECK(wire.body == bytes);
    }
    const auto upload = round_trip(spec, R"({"method": "POST", "path": "/upload",
        "body": {"file": {"filename": "x.png", "base64": "AP8NColQTkc=", "contentType": "image/png"}}})");
    CHECK(upload.body == "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n"
                         "Content-Type: image/png\r\n\r\n" + bytes + "\r\n--mamute-form-boundary--\r\n");
}
