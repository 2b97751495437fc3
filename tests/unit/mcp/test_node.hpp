#pragma once
// One mcp::Server with its own session state and a clock the test moves: a "replica" for the
// protection and scale-out tests. The toolset (catalog and client) is shared, as in production.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "mcp/server.hpp"

namespace mamute::testing {

inline std::shared_ptr<const toolset::Toolset> make_test_tools(config::UpstreamConfig upstream = {}) {
    auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
    REQUIRE(catalog);
    return std::make_shared<const toolset::Toolset>(std::make_shared<const catalog::Catalog>(std::move(*catalog)),
                                                    std::make_shared<const upstream::Client>(upstream), upstream);
}

inline std::shared_ptr<const toolset::Toolset> shared_test_tools() {
    static const auto tools = make_test_tools();
    return tools;
}

struct TestNode {
    std::shared_ptr<std::chrono::steady_clock::time_point> clock =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours(1000));
    std::shared_ptr<mcp::SessionIds> ids;
    std::shared_ptr<mcp::SessionState> state = std::make_shared<mcp::SessionState>();
    mcp::Server server;

    explicit TestNode(config::HttpConfig http = {}, std::string secret = "shared-secret", mcp::ProtectionEvents events = {},
                      std::shared_ptr<const toolset::Toolset> tools = shared_test_tools(), config::McpConfig mcp = {})
        : ids(std::make_shared<mcp::SessionIds>(std::move(secret), http.session_lifetime)),
          server(std::make_shared<const mcp::Dispatcher>(std::move(tools), state, mcp), ids, http,
                 mcp::ServerOptions{std::move(events), [clock = clock] { return *clock; }}) {}

    void advance(std::chrono::steady_clock::duration by) { *clock += by; }

    mcp::HttpReply send(mcp::IncomingHttp request) {
        boost::asio::io_context io;
        auto future = boost::asio::co_spawn(io, server.handle(std::move(request)), boost::asio::use_future);
        io.run();
        return future.get();
    }

    static mcp::IncomingHttp post(std::string body, std::optional<std::string> session = std::nullopt) {
        mcp::IncomingHttp request;
        request.method = "POST";
        request.target = "/mcp";
        request.host = "127.0.0.1:8080";
        request.accept = "application/json, text/event-stream";
        request.content_type = "application/json";
        request.session_id = std::move(session);
        request.remote_address = "192.0.2.1";
        request.request_id = "test";
        request.body = std::move(body);
        return request;
    }

    static mcp::IncomingHttp with_method(mcp::IncomingHttp request, std::string method) {
        request.method = std::move(method);
        request.body.clear();
        if (request.method == "GET") request.accept = "text/event-stream";
        return request;
    }

    static std::string initialize_body(const std::string& version = "2025-11-25") {
        return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" + version +
               R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
    }

    // The new session's id ("" when refused), after CHECKing the status.
    std::string initialize(mcp::IncomingHttp request = post(initialize_body()), unsigned expected_status = 200) {
        auto reply = send(std::move(request));
        CHECK(reply.status == expected_status);
        return header(reply, "Mcp-Session-Id");
    }

    static std::string tools_call(int id = 7, const std::string& tool = "list-specs") {
        return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"tools/call","params":{"name":")" + tool +
               R"(","arguments":{}}})";
    }

    static std::string header(const mcp::HttpReply& reply, std::string_view name) {
        for (const auto& [key, value] : reply.headers)
            if (key == name) return value;
        return {};
    }
    static boost::json::value body(const mcp::HttpReply& reply) { return boost::json::parse(reply.body); }
    static std::int64_t error_code(const mcp::HttpReply& reply) {
        return body(reply).at("error").at("code").as_int64();
    }
};

}  // namespace mamute::testing
