// MCP methods beyond the transport: paging, logging, progress and cancellation.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <functional>

#include "mcp/dispatcher.hpp"

using namespace mamute;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::shared_ptr<const toolset::Toolset> make_tools(config::UpstreamConfig upstream = {}) {
    auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
    REQUIRE(catalog);
    return std::make_shared<const toolset::Toolset>(std::make_shared<const catalog::Catalog>(std::move(*catalog)),
                                                    std::make_shared<const upstream::Client>(upstream), upstream);
}

jsonrpc::Request request(json::value id, std::string method, json::value params = nullptr) {
    return jsonrpc::Request{std::move(id), std::move(method), std::move(params)};
}

struct RecordingSink : mcp::EventSink {
    std::vector<json::object> messages;
    std::function<void(const json::object&)> on_message;
    asio::awaitable<bool> send(const json::object& message) override {
        messages.push_back(message);
        if (on_message) on_message(message);
        co_return true;
    }
    std::vector<json::object> with_method(std::string_view method) const {
        std::vector<json::object> out;
        for (const auto& m : messages)
            if (m.at("method").as_string() == method) out.push_back(m);
        return out;
    }
};

json::object run(const mcp::Dispatcher& dispatcher, const jsonrpc::Request& call, const mcp::CallScope& scope) {
    asio::io_context io;
    auto future = asio::co_spawn(io, dispatcher.handle_request(call, scope), asio::use_future);
    io.run();
    return future.get();
}

}  // namespace

TEST_CASE("dispatcher: tools/list pages with an opaque cursor; bad cursors are -32602") {
    config::McpConfig config;
    config.tools_page_size = 4;
    mcp::Dispatcher dispatcher(make_tools(), std::make_shared<mcp::SessionState>(), config);
    mcp::CallScope scope{"s"};

    auto first = run(dispatcher, request(1, "tools/list"), scope);
    const auto& page1 = first.at("result").as_object();
    CHECK(page1.at("tools").as_array().size() == 4);
    REQUIRE(page1.contains("nextCursor"));
    const auto cursor = page1.at("nextCursor").as_string();
    CHECK(cursor.find("4") == json::string::npos);  // opaque, not a bare offset

    auto second = run(dispatcher, request(2, "tools/list", json::object{{"cursor", cursor}}), scope);
    const auto& page2 = second.at("result").as_object();
    CHECK(page2.at("tools").as_array().size() == 2);
    CHECK_FALSE(page2.contains("nextCursor"));

    for (json::value bad : {json::value("x"), json::value(""), json::value(42), json::value("dG9vbHM6OTk5")})
        CHECK(run(dispatcher, request(3, "tools/list", json::object{{"cursor", bad}}), scope)
                  .at("error")
                  .at("code") == -32602);
}

TEST_CASE("dispatcher: the serialised tools/list is byte for byte what serialising the response gives") {
    for (std::size_t page_size : {1, 4, 6, 100}) {
        config::McpConfig config;
        config.tools_page_size = page_size;
        mcp::Dispatcher dispatcher(make_tools(), std::make_shared<mcp::SessionState>(), config);
        mcp::CallScope scope{"s"};
        INFO("page size " << page_size);
        std::size_t pages = 0;
        json::value params = nullptr;
        for (json::value id : {json::value(1), json::value("a \"quoted\" id\n"), json::value(-7),
                               json::value(std::uint64_t{18446744073709551615u})}) {
            params = nullptr;
            pages = 0;
            for (;;) {
                const auto call = request(id, "tools/list", params);
                const auto generic = run(dispatcher, call, scope);
                const auto serialized = dispatcher.serialized_tools_list(call);
                REQUIRE(serialized);
                CHECK(*serialized == json::serialize(generic));
                ++pages;
                const auto* next = generic.at("result").as_object().if_contains("nextCursor");
                if (!next) break;
                params = json::object{{"cursor", *next}};
            }
        }
        CHECK(pages == (6 + page_size - 1) / page_size);
    }
    // Bad cursors are left to handle_request, which answers -32602.
    mcp::Dispatcher dispatcher(make_tools(), std::make_shared<mcp::SessionState>(), config::McpConfig{});
    CHECK_FALSE(dispatcher.serialized_tools_list(request(1, "tools/list", json::object{{"cursor", "x"}})));
    CHECK_FALSE(dispatcher.serialized_tools_list(request(1, "tools/list", json::object{{"cursor", 3}})));
    // An offset inside a page (no cursor of ours names one) is served, just not from the cache.
    const auto odd = request(1, "tools/list", json::object{{"cursor", "dG9vbHM6MQ"}});  // "tools:1"
    CHECK_FALSE(dispatcher.serialized_tools_list(odd));
    CHECK(run(dispatcher, odd, mcp::CallScope{"s"}).at("result").at("tools").as_array().size() == 5);
}

TEST_CASE("dispatcher: logging/setLevel validates the level and turns on log messages for that session") {
    mcp::Dispatcher dispatcher(make_tools(), std::make_shared<mcp::SessionState>(), {});
    RecordingSink sink;
    mcp::CallScope scope{"s1"};
    scope.sink = &sink;
    const auto call = request(5, "tools/call", json::object{{"name", "list-specs"}, {"arguments", json::object{}}});

    run(dispatcher, call, scope);
    CHECK(sink.with_method("notifications/message").empty());  // nobody asked

    CHECK(run(dispatcher, request(1, "logging/setLevel", json::object{{"level", "loud"}}), scope)
              .at("error")
              .at("code") == -32602);
    CHECK(run(dispatcher, request(1, "logging/setLevel", json::object{{"level", "info"}}), scope).at("result") ==
          json::object{});
    run(dispatcher, call, scope);
    auto logs = sink.with_method("notifications/message");
    REQUIRE(logs.size() == 2);
    CHECK(logs[0].at("params").at("level") == "info");
    CHECK(logs[1].at("params").at("data").at("event") == "finished");

    // Another session did not ask.
    RecordingSink other_sink;
    mcp::CallScope other{"s2"};
    other.sink = &other_sink;
    run(dispatcher, call, other);
    CHECK(other_sink.messages.empty());

    run(dispatcher, request(1, "logging/setLevel", json::object{{"level", "error"}}), scope);
    sink.messages.clear();
    run(dispatcher, call, scope);
    CHECK(sink.with_method("notifications/message").empty());  // info is below error
}

TEST_CASE("dispatcher: a progressToken gets progress notifications carrying the token") {
    mcp::Dispatcher dispatcher(make_tools(), std::make_shared<mcp::SessionState>(), {});
    RecordingSink sink;
    mcp::CallScope scope{"s"};
    scope.sink = &sink;
    auto result = run(dispatcher,
                      request(9, "tools/call",
                              json::object{{"name", "search-endpoints"},
                                           {"arguments", json::object{{"pattern", "purge cache"}}},
                                           {"_meta", json::object{{"progressToken", "tok-1"}}}}),
                      scope);
    CHECK_FALSE(result.at("result").as_object().contains("isError"));
    auto progress = sink.with_method("notifications/progress");
    REQUIRE_FALSE(progress.empty());
    CHECK(progress[0].at("params").at("progressToken") == "tok-1");
    CHECK(progress[0].at("params").at("progress") == 0);

    // Without a sink (client takes JSON only) the call still answers, silently.
    mcp::CallScope silent{"s"};
    CHECK(run(dispatcher,
              request(9, "tools/call",
                      json::object{{"name", "list-specs"}, {"_meta", json::object{{"progressToken", 7}}}}),
              silent)
              .contains("result"));
}

// An execute-request to an upstream that accepts and never answers: only cancellation can end it early.
// `when_waiting` runs once the call has connected; run() returns the call's response.
struct SilentUpstreamCall {
    asio::io_context io;
    asio::ip::tcp::acceptor silent{io, {asio::ip::make_address("127.0.0.1"), 0}};
    asio::ip::tcp::socket held{io};
    std::shared_ptr<mcp::SessionState> state = std::make_shared<mcp::SessionState>();
    mcp::Dispatcher dispatcher{make_tools(upstream_config()), state, {}};

    config::UpstreamConfig upstream_config() const {
        config::UpstreamConfig upstream;
        upstream.base_url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
        upstream.total_timeout = std::chrono::minutes(5);
        return upstream;
    }

    json::object run(const json::value& id, const mcp::CallScope& scope, std::function<void()> when_waiting) {
        const auto call = request(id, "tools/call",
                                  json::object{{"name", "execute-request"},
                                               {"arguments", json::object{{"method", "GET"}, {"path", "/cdn/resource"}}}});
        silent.async_accept(held, [&](boost::system::error_code ec) {
            REQUIRE_FALSE(ec);
            when_waiting();
        });
        auto future = asio::co_spawn(io, dispatcher.handle_request(call, scope), asio::use_future);
        io.run();
        return future.get();
    }
};

TEST_CASE("dispatcher: notifications/cancelled stops an execute-request waiting on a silent upstream") {
    SilentUpstreamCall silent;
    mcp::CallScope scope{"session-a"};
    const auto response = silent.run("call-1", scope, [&] {
        // A cancel for another session's request with the same id must not touch this call.
        mcp::CallScope other{"session-b"};
        silent.dispatcher.handle_notification(
            jsonrpc::Notification{"notifications/cancelled", json::object{{"requestId", "call-1"}}}, other);
        CHECK(silent.state->cancel_call("session-b", json::serialize(json::value("call-1"))) == false);
        silent.dispatcher.handle_notification(
            jsonrpc::Notification{"notifications/cancelled", json::object{{"requestId", "call-1"}, {"reason", "user"}}},
            scope);
    });
    const auto& result = response.at("result").as_object();
    CHECK(result.at("isError") == true);
    CHECK(json::serialize(result.at("content")).find("cancelled by the client") != std::string::npos);
    CHECK_FALSE(silent.state->cancel_call("session-a", json::serialize(json::value("call-1"))));  // unregistered
}

TEST_CASE("dispatcher: a call cancelled by shutdown or by its session ending says so, not that the client cancelled") {
    for (const bool shutdown : {true, false}) {
        INFO((shutdown ? "shutdown" : "session end"));
        SilentUpstreamCall silent;
        const auto response = silent.run(7, mcp::CallScope{"session-a"}, [&] {
            if (shutdown)
                silent.state->cancel_all();
            else
                silent.state->cancel_session("session-a");
        });
        const auto& result = response.at("result").as_object();
        CHECK(result.at("isError") == true);
        const auto text = json::serialize(result.at("content"));
        CHECK(text.find(shutdown ? "server is shutting down" : "the session ended") != std::string::npos);
        CHECK(text.find("by the client") == std::string::npos);
    }
}
