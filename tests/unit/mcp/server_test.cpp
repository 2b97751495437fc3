// The Streamable HTTP rules and MCP dispatch, driven without sockets.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <set>

#include "mcp/server.hpp"
#include "test_node.hpp"

using namespace mamute;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A server on its own session state (TestNode), seen through the Streamable HTTP rules alone.
struct Fixture : testing::TestNode {
    explicit Fixture(config::McpConfig mcp_config = {})
        : TestNode({}, "test-secret", {}, testing::shared_test_tools(), mcp_config) {}

    std::string initialize(const std::string& version = "2025-11-25") {
        auto reply = send(post(initialize_body(version)));
        REQUIRE(reply.status == 200);
        return header(reply, "Mcp-Session-Id");
    }
};

}  // namespace

TEST_CASE("mcp: initialize negotiates the version and issues exactly one session id") {
    Fixture f;
    auto reply = f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})"));
    REQUIRE(reply.status == 200);
    auto result = Fixture::body(reply).at("result");
    CHECK(result.at("protocolVersion") == "2025-06-18");
    CHECK(result.at("capabilities").as_object().contains("tools"));
    CHECK(result.at("serverInfo").at("name") == "mamute-mcp");
    int session_headers = 0;
    for (const auto& [name, value] : reply.headers) session_headers += name == "Mcp-Session-Id";
    CHECK(session_headers == 1);

    for (std::string version : {"2025-11-25", "2025-03-26", "2024-11-05"}) {
        auto echoed = f.send(Fixture::post(
            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + version + R"("}})"));
        CHECK(Fixture::body(echoed).at("result").at("protocolVersion") == json::value(version));
    }

    auto unknown = f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})"));
    CHECK(Fixture::body(unknown).at("result").at("protocolVersion") == "2025-11-25");

    auto missing = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"));
    CHECK(Fixture::error_code(missing) == -32602);
}

TEST_CASE("mcp: notifications and client responses get 202 with no body") {
    Fixture f;
    const auto session = f.initialize();
    auto reply = f.send(Fixture::post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session));
    CHECK(reply.status == 202);
    CHECK(reply.body.empty());
    auto response = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":9,"result":{}})", session));
    CHECK(response.status == 202);
    CHECK(response.body.empty());
}

TEST_CASE("mcp: the session is enforced after initialize") {
    Fixture f;
    const auto session = f.initialize();
    CHECK(f.send(Fixture::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})")).status == 400);
    auto unknown = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", "deadbeef"));
    CHECK(unknown.status == 404);
    CHECK(Fixture::error_code(unknown) == -32001);
    auto ping = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session));
    CHECK(ping.status == 200);
    CHECK(Fixture::body(ping).at("result") == json::object{});
    CHECK(Fixture::body(ping).at("id") == 2);
}

TEST_CASE("mcp: DELETE ends the session") {
    Fixture f;
    const auto session = f.initialize();
    mcp::IncomingHttp del = Fixture::post("", session);
    del.method = "DELETE";
    CHECK(f.send(del).status == 200);
    CHECK(f.send(Fixture::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session)).status == 404);
    CHECK(f.send(del).status == 404);
    del.session_id.reset();
    CHECK(f.send(del).status == 400);
}

TEST_CASE("mcp: GET opens an event stream for a live session only; other methods are 405; other paths JSON 404s") {
    Fixture f;
    const auto session = f.initialize();
    auto get = Fixture::post("", session);
    get.method = "GET";
    get.accept = "text/event-stream";
    auto stream = f.send(get);
    CHECK(stream.status == 200);
    CHECK(stream.open_stream_for_session == session);

    auto json_only = get;
    json_only.accept = "application/json";
    CHECK(f.send(json_only).status == 406);
    auto no_session = get;
    no_session.session_id.reset();
    CHECK(f.send(no_session).status == 400);
    auto unknown = get;
    unknown.session_id = "0123";
    CHECK(f.send(unknown).status == 404);
    CHECK_FALSE(f.send(unknown).open_stream_for_session);

    auto put = get;
    put.method = "PUT";
    auto reply = f.send(put);
    CHECK(reply.status == 405);
    CHECK(Fixture::header(reply, "Allow").find("POST") != std::string::npos);

    auto oauth = Fixture::post("");
    oauth.method = "GET";
    oauth.target = "/.well-known/oauth-authorization-server";
    auto not_found = f.send(oauth);
    CHECK(not_found.status == 404);
    CHECK(Fixture::body(not_found).at("error") == "not_found");
}

TEST_CASE("mcp: MCP-Protocol-Version is checked on the session path") {
    Fixture f;
    const auto session = f.initialize();
    auto request = Fixture::post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})", session);
    request.protocol_version = "2025-06-18";
    CHECK(f.send(request).status == 200);
    // A revision it does not speak, on a session's request: 400, naming the revisions it does.
    request.protocol_version = "2099-01-01";
    auto bad = f.send(request);
    CHECK(bad.status == 400);
    CHECK(Fixture::body(bad).at("id") == 2);
    CHECK(Fixture::error_code(bad) == -32600);
    CHECK_THAT(std::string(Fixture::body(bad).at("error").at("message").as_string()),
               Catch::Contains("unsupported MCP-Protocol-Version 2099-01-01"));
    CHECK(Fixture::body(bad).at("error").at("data").at("supported").as_array().size() > 1);
    // Without a session the same header is judged by the stateless rules (a newer stateless client):
    // still a 4xx JSON-RPC error.
    auto sessionless = request;
    sessionless.session_id.reset();
    auto stateless = f.send(sessionless);
    CHECK(stateless.status == 400);
    CHECK(Fixture::error_code(stateless) == -32602);

    // DELETE is judged by the same revision rule, and the session lives on.
    auto del = Fixture::with_method(Fixture::post("", session), "DELETE");
    del.protocol_version = "2099-01-01";
    CHECK(f.send(del).status == 400);
    request.protocol_version = "2025-06-18";
    CHECK(f.send(request).status == 200);

    // A name twice in one object is refused before anything runs: the parser would keep the last one.
    auto twice = f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list-specs","name":"execute-request","arguments":{}}})",
        session));
    CHECK(twice.status == 400);
    CHECK(Fixture::error_code(twice) == -32600);
    CHECK_THAT(std::string(Fixture::body(twice).at("error").at("message").as_string()),
               Catch::Contains("\"name\" appears twice in one object"));

    // An empty session header is no session header.
    auto empty = Fixture::post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})", "");
    auto missing = f.send(empty);
    CHECK(missing.status == 400);
    CHECK_THAT(std::string(Fixture::body(missing).at("error").at("message").as_string()),
               Catch::Contains("Mcp-Session-Id header is required"));

    // A version header on initialize itself is not held against the client.
    auto init = Fixture::post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})");
    init.protocol_version = "2025-11-25";
    CHECK(f.send(init).status == 200);
    init.protocol_version = "2026-07-28";
    CHECK(Fixture::body(f.send(init)).at("result").at("protocolVersion") == "2025-11-25");
}

TEST_CASE("mcp: foreign Origin and Host are refused with 403; allowed origins get CORS headers") {
    Fixture f;
    auto evil_origin = Fixture::post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})");
    evil_origin.origin = "http://evil.example.com";
    CHECK(f.send(evil_origin).status == 403);

    auto evil_host = evil_origin;
    evil_host.origin.reset();
    evil_host.host = "evil.example.com";
    CHECK(f.send(evil_host).status == 403);

    auto local = evil_origin;
    local.origin = "http://localhost:6274";
    auto reply = f.send(local);
    CHECK(reply.status == 200);
    CHECK(Fixture::header(reply, "Access-Control-Allow-Origin") == "http://localhost:6274");
    CHECK(Fixture::header(reply, "Access-Control-Expose-Headers").find("Mcp-Session-Id") != std::string::npos);

    auto preflight = local;
    preflight.method = "OPTIONS";
    preflight.body.clear();
    auto options = f.send(preflight);
    CHECK(options.status == 204);
    for (const char* allowed : {"Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name", "X-API-Key"})
        CHECK(Fixture::header(options, "Access-Control-Allow-Headers").find(allowed) != std::string::npos);
}

TEST_CASE("mcp: JSON-RPC errors carry the right codes") {
    Fixture f;
    const auto session = f.initialize();
    auto parse = f.send(Fixture::post("{not json", session));
    CHECK(parse.status == 400);
    CHECK(Fixture::error_code(parse) == -32700);

    auto invalid = f.send(Fixture::post(R"({"id":1,"method":"ping"})", session));
    CHECK(invalid.status == 400);
    CHECK(Fixture::error_code(invalid) == -32600);

    auto batch = f.send(Fixture::post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", session));
    CHECK(batch.status == 400);
    CHECK(Fixture::error_code(batch) == -32600);

    auto unknown = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":"u","method":"resources/list"})", session));
    CHECK(unknown.status == 200);
    CHECK(Fixture::error_code(unknown) == -32601);

    auto bad_call = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{}})", session));
    CHECK(Fixture::error_code(bad_call) == -32602);
    auto bad_args = f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-specs","arguments":[1]}})", session));
    CHECK(Fixture::error_code(bad_args) == -32602);

    auto html = Fixture::post(R"({"jsonrpc":"2.0","id":4,"method":"ping"})", session);
    html.accept = "text/html";
    CHECK(f.send(html).status == 406);
    auto json_only = html;
    json_only.accept = "application/json";
    CHECK(f.send(json_only).status == 200);
    auto text = json_only;
    text.content_type = "text/plain";
    CHECK(f.send(text).status == 415);
}

TEST_CASE("mcp: tools/list gives six tools, each an object schema; an unknown tool is -32602") {
    Fixture f;
    const auto session = f.initialize();
    auto list = Fixture::body(f.send(Fixture::post(R"({"jsonrpc":"2.0","id":5,"method":"tools/list"})", session)));
    const auto& tools = list.at("result").at("tools").as_array();
    REQUIRE(tools.size() == 6);
    std::set<std::string> names;
    for (const auto& tool : tools) {
        names.insert(std::string(tool.at("name").as_string()));
        CHECK(tool.at("inputSchema").at("type") == "object");
        CHECK_FALSE(tool.at("description").as_string().empty());
        const bool read_only = tool.at("annotations").at("readOnlyHint").as_bool();
        CHECK(read_only == (tool.at("name") != "execute-request"));
    }
    CHECK(names == std::set<std::string>{"list-specs", "list-endpoints", "search-endpoints", "get-endpoint",
                                         "get-server-variables", "execute-request"});

    auto cursor = f.send(Fixture::post(R"({"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"cursor":"x"}})", session));
    CHECK(Fixture::error_code(cursor) == -32602);

    auto unknown = f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"no-such-tool","arguments":{}}})", session));
    CHECK(Fixture::error_code(unknown) == -32602);

    auto specs = Fixture::body(f.send(Fixture::post(
        R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list-specs"}})", session)));
    const auto& content = specs.at("result").at("content").as_array();
    REQUIRE(content.size() == 1);
    CHECK(content[0].at("text").as_string().find("MamuteCloud API") != json::string::npos);
}

TEST_CASE("mcp: batches are served for 2025-03-26 sessions only") {
    Fixture f;
    const auto old_session = f.initialize("2025-03-26");
    auto batch = f.send(Fixture::post(
        R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},)"
        R"({"jsonrpc":"2.0","id":2,"method":"tools/list"},{"jsonrpc":"2.0","id":3,"method":"nope"},{"bad":1},)"
        R"({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}])",
        old_session));
    REQUIRE(batch.status == 200);
    const auto responses = Fixture::body(batch).as_array();
    REQUIRE(responses.size() == 5);  // the notification gets no response
    CHECK(responses[0].at("id") == 1);
    CHECK(responses[0].at("result") == json::object{});
    CHECK(responses[1].at("result").at("tools").as_array().size() == 6);
    CHECK(responses[2].at("error").at("code") == -32601);
    CHECK(responses[3].at("error").at("code") == -32600);
    CHECK(responses[4].at("error").at("code") == -32600);

    auto only_notifications =
        f.send(Fixture::post(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])", old_session));
    CHECK(only_notifications.status == 202);
    CHECK(only_notifications.body.empty());
    CHECK(f.send(Fixture::post("[]", old_session)).status == 400);

    const auto new_session = f.initialize("2025-06-18");
    auto refused = f.send(Fixture::post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", new_session));
    CHECK(refused.status == 400);
    CHECK(Fixture::error_code(refused) == -32600);
}
