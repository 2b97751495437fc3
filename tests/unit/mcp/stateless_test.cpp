// Revision 2026-07-28 on the same endpoint as the session-based revisions.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/algorithm/string/replace.hpp>
#include <catch2/catch.hpp>

#include "mcp/server.hpp"
#include "mcp/stateless_request.hpp"

using namespace mamute;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string meta = R"({"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
                         R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)"
                         R"("io.modelcontextprotocol/clientCapabilities":{}})";

struct Stateless {
    mcp::Server server{make_dispatcher(), std::make_shared<mcp::SessionIds>("test", 3600s), config::HttpConfig{}};

    static std::shared_ptr<const mcp::Dispatcher> make_dispatcher() {
        auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
        REQUIRE(catalog);
        config::UpstreamConfig upstream;
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)),
            std::make_shared<const upstream::Client>(upstream), upstream);
        return std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(),
                                                       config::McpConfig{});
    }

    // A well-formed 2026-07-28 request; tests then break one thing at a time.
    static mcp::IncomingHttp request(const std::string& method, const std::string& params_without_meta = "",
                                     json::value id = 1) {
        mcp::IncomingHttp in;
        in.method = "POST";
        in.target = "/mcp";
        in.host = "127.0.0.1:9";
        in.accept = "application/json, text/event-stream";
        in.content_type = "application/json";
        in.protocol_version = "2026-07-28";
        in.mcp_method = method;
        in.request_id = "t";
        const std::string params =
            "{\"_meta\":" + meta + (params_without_meta.empty() ? "" : "," + params_without_meta) + "}";
        in.body = R"({"jsonrpc":"2.0","id":)" + json::serialize(id) + R"(,"method":")" + method +
                  R"(","params":)" + params + "}";
        return in;
    }

    mcp::HttpReply send(mcp::IncomingHttp in) {
        boost::asio::io_context io;
        auto future = boost::asio::co_spawn(io, server.handle(std::move(in)), boost::asio::use_future);
        io.run();
        return future.get();
    }

    static json::value body(const mcp::HttpReply& reply) { return json::parse(reply.body); }
    static std::int64_t code(const mcp::HttpReply& reply) { return body(reply).at("error").at("code").as_int64(); }
    static bool has_header(const mcp::HttpReply& reply, std::string_view name) {
        for (const auto& [key, value] : reply.headers)
            if (key == name) return true;
        return false;
    }
};

}  // namespace

TEST_CASE("stateless: server/discover answers with versions, capabilities, caching hints and identity") {
    Stateless s;
    auto reply = s.send(Stateless::request("server/discover", "", "discover-1"));
    REQUIRE(reply.status == 200);
    const auto result = Stateless::body(reply).at("result");
    CHECK(Stateless::body(reply).at("id") == "discover-1");
    CHECK(result.at("resultType") == "complete");
    CHECK(result.at("supportedVersions") == json::array{"2026-07-28"});
    CHECK(result.at("capabilities").as_object().contains("tools"));
    CHECK(result.at("ttlMs").as_int64() >= 0);
    CHECK((result.at("cacheScope") == "public" || result.at("cacheScope") == "private"));
    CHECK(result.at("_meta").at("io.modelcontextprotocol/serverInfo").at("name") == "mamute-mcp");
    CHECK_FALSE(Stateless::has_header(reply, "Mcp-Session-Id"));

    // clientInfo is optional.
    auto no_info = Stateless::request("server/discover");
    boost::replace_all(no_info.body, R"("io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},)", "");
    CHECK(s.send(no_info).status == 200);
}

TEST_CASE("stateless: missing _meta fields are -32602 with 400, echoing the id") {
    Stateless s;
    auto no_params = Stateless::request("server/discover");
    no_params.body = R"({"jsonrpc":"2.0","id":101,"method":"server/discover","params":{}})";
    auto reply = s.send(no_params);
    CHECK(reply.status == 400);
    CHECK(Stateless::code(reply) == -32602);
    CHECK(Stateless::body(reply).at("id") == 101);

    auto no_caps = Stateless::request("server/discover");
    boost::replace_all(no_caps.body, R"(,"io.modelcontextprotocol/clientCapabilities":{})", "");
    CHECK(Stateless::code(s.send(no_caps)) == -32602);

    auto no_version = Stateless::request("server/discover");
    boost::replace_all(no_version.body, R"("io.modelcontextprotocol/protocolVersion":"2026-07-28",)", "");
    // The header alone still routes it here, and the body lacks the version.
    auto answer = s.send(no_version);
    CHECK(answer.status == 400);
    CHECK(Stateless::code(answer) == -32602);
}

TEST_CASE("stateless: version checks: header vs _meta mismatch is -32020, unknown version -32022") {
    Stateless s;
    auto both_unknown = Stateless::request("server/discover");
    boost::replace_all(both_unknown.body, "2026-07-28", "v999.0.0");
    both_unknown.protocol_version = "v999.0.0";
    auto reply = s.send(both_unknown);
    CHECK(reply.status == 400);
    CHECK(Stateless::code(reply) == -32022);
    CHECK(Stateless::body(reply).at("error").at("data").at("requested") == "v999.0.0");
    CHECK(Stateless::body(reply).at("error").at("data").at("supported") == json::array{"2026-07-28"});

    auto mismatch = Stateless::request("server/discover");
    boost::replace_all(mismatch.body, "2026-07-28", "v999.0.0");
    CHECK(Stateless::code(s.send(mismatch)) == -32020);

    auto no_header = Stateless::request("server/discover");
    no_header.protocol_version.reset();
    auto missing = s.send(no_header);
    CHECK(missing.status == 400);
    CHECK(Stateless::code(missing) == -32020);

    auto legacy_in_meta = Stateless::request("tools/list");
    boost::replace_all(legacy_in_meta.body, "2026-07-28", "2025-11-25");
    legacy_in_meta.protocol_version = "2025-11-25";
    CHECK(Stateless::code(s.send(legacy_in_meta)) == -32022);
}

TEST_CASE("stateless: Mcp-Method and Mcp-Name must repeat the body") {
    Stateless s;
    auto wrong_method = Stateless::request("tools/list");
    wrong_method.mcp_method = "prompts/list";
    CHECK(Stateless::code(s.send(wrong_method)) == -32020);
    wrong_method.mcp_method = "TOOLS/LIST";
    CHECK(s.send(wrong_method).status == 400);
    wrong_method.mcp_method.reset();
    CHECK(Stateless::code(s.send(wrong_method)) == -32020);
    wrong_method.mcp_method = "  tools/list ";
    CHECK(s.send(wrong_method).status == 200);

    auto call = Stateless::request("tools/call", R"("name":"list-specs","arguments":{})");
    CHECK(Stateless::code(s.send(call)) == -32020);  // no Mcp-Name
    call.mcp_name = "wrong_tool_name";
    CHECK(Stateless::code(s.send(call)) == -32020);
    call.mcp_name = "  list-specs  ";
    CHECK(s.send(call).status == 200);
    call.mcp_name = "=?base64?bGlzdC1zcGVjcw==?=";  // "list-specs"
    auto decoded = s.send(call);
    REQUIRE(decoded.status == 200);
    CHECK(Stateless::body(decoded).at("result").at("resultType") == "complete");
    call.mcp_name = "=?base64?!!notb64?=";
    CHECK(Stateless::code(s.send(call)) == -32020);
}

TEST_CASE("stateless: removed and unknown methods are 404 -32601; tools work with resultType and caching") {
    Stateless s;
    for (const char* method : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "prompts/list",
                               "unknown/method"}) {
        auto reply = s.send(Stateless::request(method));
        INFO(method);
        CHECK(reply.status == 404);
        CHECK(Stateless::code(reply) == -32601);
    }
    auto list = s.send(Stateless::request("tools/list"));
    REQUIRE(list.status == 200);
    const auto result = Stateless::body(list).at("result");
    CHECK(result.at("tools").as_array().size() == 6);
    CHECK(result.at("resultType") == "complete");
    CHECK(result.as_object().contains("ttlMs"));
    CHECK(result.as_object().contains("cacheScope"));

    auto unknown_tool = Stateless::request("tools/call", R"("name":"nope")");
    unknown_tool.mcp_name = "nope";
    CHECK(Stateless::code(s.send(unknown_tool)) == -32602);

    auto bad_level = Stateless::request("tools/list");
    boost::replace_all(bad_level.body, R"("io.modelcontextprotocol/clientCapabilities":{})",
                       R"("io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"verbose")");
    CHECK(Stateless::code(s.send(bad_level)) == -32602);
}

TEST_CASE("stateless: sessions are ignored, notifications are 202, batches and GET are refused") {
    Stateless s;
    auto with_session = Stateless::request("tools/list");
    with_session.session_id = "whatever";
    auto reply = s.send(with_session);
    CHECK(reply.status == 200);
    CHECK_FALSE(Stateless::has_header(reply, "Mcp-Session-Id"));

    auto note = Stateless::request("tools/list");
    note.mcp_method.reset();
    note.body = R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}})";
    auto accepted = s.send(note);
    CHECK(accepted.status == 202);
    CHECK(accepted.body.empty());

    auto batch = Stateless::request("tools/list");
    batch.body = "[" + batch.body + "]";
    auto refused = s.send(batch);
    CHECK(refused.status == 400);
    CHECK(Stateless::code(refused) == -32600);

    auto get = Stateless::request("tools/list");
    get.method = "GET";
    get.body.clear();
    CHECK(s.send(get).status == 405);
    get.method = "DELETE";
    CHECK(s.send(get).status == 405);

    auto evil = Stateless::request("server/discover");
    evil.host = "evil.example.com";
    CHECK(s.send(evil).status == 403);
}

TEST_CASE("stateless: clients of older revisions keep the session path on the same endpoint") {
    Stateless s;
    auto init = Stateless::request("initialize");
    init.protocol_version.reset();
    init.mcp_method.reset();
    init.body = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})";
    auto reply = s.send(init);
    REQUIRE(reply.status == 200);
    CHECK(Stateless::has_header(reply, "Mcp-Session-Id"));
    CHECK_FALSE(Stateless::body(reply).at("result").as_object().contains("resultType"));

    auto legacy = init;
    legacy.body = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";
    CHECK(s.send(legacy).status == 400);  // no session: the session path's answer
}

TEST_CASE("stateless: header values decode from the base64 form and refuse control characters") {
    CHECK(mcp::decode_header_value("  plain ") == std::optional<std::string>("plain"));
    CHECK(mcp::decode_header_value("=?base64?w7xiZXI=?=") == std::optional<std::string>("\xc3\xbc" "ber"));
    CHECK_FALSE(mcp::decode_header_value("=?base64?YQ=b?="));
    CHECK_FALSE(mcp::decode_header_value("=?base64?Cg==?="));  // a newline
    CHECK(mcp::decode_header_value("=?BASE64?x?=") == std::optional<std::string>("=?BASE64?x?="));  // case-sensitive prefix
}
