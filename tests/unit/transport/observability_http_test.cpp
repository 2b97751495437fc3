// Health, readiness, metrics and logs over real sockets, after real MCP traffic.
#include <boost/json/parse.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <sstream>

#include "common/log.hpp"
#include "test_server.hpp"

using namespace mamute;
using namespace mamute::test;
namespace json = boost::json;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string candidate; std::getline(in, candidate);)
        if (candidate == line) return true;
    return false;
}

std::string open_session(TestServer& running, const std::string& extra_headers = "") {
    const auto reply = round_trip(running, post_mcp(initialize_request, extra_headers));
    REQUIRE(reply.starts_with("HTTP/1.1 200"));
    return header_value(reply, "Mcp-Session-Id");
}

const std::string list_specs_call =
    R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list-specs","arguments":{}}})";

}  // namespace

TEST_CASE("observability: /metrics after real traffic shows requests, tool calls and connections") {
    TestServer running(config::Config{});
    const auto session = open_session(running);
    const auto called = round_trip(running, post_mcp(list_specs_call, "Mcp-Session-Id: " + session + "\r\n"));
    REQUIRE(called.starts_with("HTTP/1.1 200"));
    REQUIRE(called.find(R"("result")") != std::string::npos);
    REQUIRE(called.find(R"("isError":true)") == std::string::npos);
    const auto unknown_tool =
        R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get-endpoint","arguments":{"title":"nope","path":"/x","method":"GET"}}})";
    REQUIRE(round_trip(running, post_mcp(unknown_tool, "Mcp-Session-Id: " + session + "\r\n")).starts_with("HTTP/1.1 200"));

    // Kept open across the scrape: it must show in the gauge.
    auto held = running.connect();
    asio::write(held, asio::buffer(get("/healthz")));
    REQUIRE(read_response(held).starts_with("HTTP/1.1 200"));

    const auto scrape = round_trip(running, get("/metrics"));
    REQUIRE(scrape.starts_with("HTTP/1.1 200"));
    CHECK(header_value(scrape, "Content-Type").starts_with("text/plain; version=0.0.4"));
    const auto text = body_of(scrape);
    CHECK(has_line(text, R"(mamute_http_requests_total{method="POST",status="200"} 3)"));
    CHECK(has_line(text, R"(mamute_http_requests_total{method="GET",status="200"} 1)"));  // the scrape is counted after
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="list-specs",outcome="success"} 1)"));
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="get-endpoint",outcome="error"} 1)"));
    CHECK(has_line(text, R"(mamute_tool_call_duration_seconds_count{tool="list-specs"} 1)"));
    CHECK(has_line(text, R"(mamute_tool_call_duration_seconds_bucket{tool="list-specs",le="+Inf"} 1)"));
    CHECK(has_line(text, "mamute_specs_loaded 1"));
    // At least the held connection and the scraping one (earlier ones may still be closing).
    const auto at = text.find("\nmamute_open_connections ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoul(text.substr(at + 25)) >= 2);
}

TEST_CASE("observability: upstream latency and failures by kind from execute-request") {
    // A port nobody listens on: the live call fails to connect.
    asio::io_context scratch;
    tcp::acceptor closed(scratch, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = closed.local_endpoint().port();
    closed.close();
    config::Config config;
    config.upstream.base_url = "http://127.0.0.1:" + std::to_string(port);
    TestServer running(config);
    const auto session = open_session(running);
    const std::string call =
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"execute-request","arguments":{"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":"1"}}}})";
    const auto reply = round_trip(running, post_mcp(call, "Mcp-Session-Id: " + session + "\r\n"));
    REQUIRE(reply.find(R"("isError":true)") != std::string::npos);

    const auto text = body_of(round_trip(running, get("/metrics")));
    CHECK(has_line(text, R"(mamute_upstream_errors_total{kind="connect"} 1)"));
    CHECK(has_line(text, "mamute_upstream_call_duration_seconds_count 1"));
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="execute-request",outcome="error"} 1)"));
}

TEST_CASE("observability: /healthz and /readyz bodies, readiness off, no Origin or Host rules") {
    TestServer running(config::Config{});
    // An Origin the MCP endpoint would refuse: probes do not care.
    const auto health = round_trip(running, get("/healthz", "Origin: https://evil.example\r\nX-Request-Id: probe-1\r\n"));
    CHECK(health.starts_with("HTTP/1.1 200"));
    CHECK(body_of(health) == R"({"status":"ok"})");
    CHECK(header_value(health, "X-Request-Id") == "probe-1");

    const auto ready = round_trip(running, get("/readyz"));
    CHECK(ready.starts_with("HTTP/1.1 200"));
    CHECK(body_of(ready) == R"({"status":"ready","specs":1})");

    running.server->set_ready(false);
    const auto draining = round_trip(running, get("/readyz"));
    CHECK(draining.starts_with("HTTP/1.1 503"));
    CHECK(body_of(draining) == R"({"status":"not ready","specs":1})");
    // Still alive, and the MCP endpoint still answers while draining.
    CHECK(round_trip(running, get("/healthz")).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, post_mcp(initialize_request)).starts_with("HTTP/1.1 200"));

    running.server->set_ready(true);
    CHECK(round_trip(running, get("/readyz")).starts_with("HTTP/1.1 200"));
}

TEST_CASE("observability: the admin port serves health and metrics only; the main port serves them too") {
    config::Config config;
    config.http.admin_port = 0;
    TestServer running(config);
    const auto admin = running.server->admin_endpoint();
    REQUIRE(admin);
    REQUIRE(admin->port() != running.server->local_endpoint().port());

    const auto scrape = round_trip(running, get("/metrics"), admin->port());
    CHECK(scrape.starts_with("HTTP/1.1 200"));
    CHECK(body_of(scrape).find("# TYPE mamute_http_requests_total counter") != std::string::npos);
    CHECK(round_trip(running, get("/healthz"), admin->port()).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, get("/readyz"), admin->port()).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, post_mcp(initialize_request), admin->port()).starts_with("HTTP/1.1 404"));
    CHECK(round_trip(running, get("/mcp"), admin->port()).starts_with("HTTP/1.1 404"));

    CHECK(round_trip(running, get("/metrics")).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, post_mcp(initialize_request)).starts_with("HTTP/1.1 200"));
    CHECK(running.metrics->http_requests("POST", 404) == 1);
}

TEST_CASE("observability: an SSE stream shows in the gauge while open") {
    TestServer running(config::Config{});
    const auto session = open_session(running);
    auto stream = running.connect();
    asio::write(stream, asio::buffer("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: " +
                                     session + "\r\n\r\n"));
    std::string seen;
    char chunk[1024];
    while (seen.find("\r\n\r\n") == std::string::npos) seen.append(chunk, stream.read_some(asio::buffer(chunk)));
    REQUIRE(seen.starts_with("HTTP/1.1 200"));
    CHECK(has_line(body_of(round_trip(running, get("/metrics"))), "mamute_sse_streams_open 1"));
}

namespace {

// Captures every log line in the JSON format for one test, then puts text and stderr back.
struct JsonLogCapture {
    std::ostringstream lines;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines, true);

    spdlog::level::level_enum previous = spdlog::get_level();

    JsonLogCapture() {
        log::configure("info", "json");
        log::add_sink(sink);
    }
    ~JsonLogCapture() {
        log::remove_sink(sink);
        const auto name = spdlog::level::to_string_view(previous);
        log::configure(std::string(name.data(), name.size()), "text");
    }
};

}  // namespace

TEST_CASE("observability: JSON logs parse line by line and carry the request id; access lines hold no secrets") {
    std::vector<json::object> parsed;
    std::string captured;
    {
        JsonLogCapture capture;
        {
            TestServer running(config::Config{});
            const auto session = open_session(running, "X-Request-Id: json-log-1\r\nX-API-Key: secret-key-value\r\n");
            const auto reply = round_trip(running, post_mcp(list_specs_call, "Mcp-Session-Id: " + session +
                                                                               "\r\nX-Request-Id: json-log-2\r\n"));
            CHECK(header_value(reply, "X-Request-Id") == "json-log-2");
            round_trip(running, "GET /healthz?token=secret-query HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: json-log-3\r\n\r\n");
        }  // the server has stopped: every line is written
        const auto text = capture.lines.str();
        captured = text;
        CHECK(text.find("secret-key-value") == std::string::npos);
        CHECK(text.find("secret-query") == std::string::npos);
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            boost::system::error_code ec;
            auto value = json::parse(line, ec);
            INFO(line);
            REQUIRE_FALSE(ec);
            REQUIRE(value.is_object());
            CHECK(value.as_object().contains("time"));
            CHECK(value.as_object().contains("level"));
            CHECK(value.as_object().contains("logger"));
            CHECK(value.as_object().contains("msg"));
            parsed.push_back(value.as_object());
        }
    }
    auto lines_for = [&](std::string_view id, std::string_view logger) {
        std::vector<std::string> messages;
        for (const auto& line : parsed) {
            const auto* request_id = line.if_contains("request_id");
            if (request_id && request_id->is_string() && request_id->get_string() == id &&
                line.at("logger").as_string() == logger)
                messages.emplace_back(line.at("msg").as_string());
        }
        return messages;
    };
    INFO(captured);
    const auto first = lines_for("json-log-1", "access");
    REQUIRE(first.size() == 1);
    CHECK(first[0].starts_with("POST /mcp 200 "));
    CHECK(first[0].find("from 127.0.0.1") != std::string::npos);
    CHECK_FALSE(lines_for("json-log-1", "mcp").empty());  // "session started"
    REQUIRE(lines_for("json-log-2", "access").size() == 1);
    CHECK_FALSE(lines_for("json-log-2", "mcp").empty());  // "tools/call list-specs -> ok"
    const auto probe = lines_for("json-log-3", "access");
    REQUIRE(probe.size() == 1);
    CHECK(probe[0].starts_with("GET /healthz 200 "));
}

TEST_CASE("observability: while shutting down the admin port still answers, /readyz with 503") {
    config::Config config;
    config.http.admin_port = 0;
    TestServer running(config);
    const auto admin = running.server->admin_endpoint();
    REQUIRE(admin);
    running.server->stop();
    const auto ready = round_trip(running, get("/readyz"), admin->port());
    CHECK(ready.starts_with("HTTP/1.1 503"));
    CHECK(round_trip(running, get("/metrics"), admin->port()).starts_with("HTTP/1.1 200"));
}

TEST_CASE("observability: with http.auth_token, /metrics on the main port needs it; probes stay open") {
    config::Config config;
    config.http.auth_token = "metrics-token-0123456789";
    TestServer running(config);
    const auto refused = round_trip(running, get("/metrics"));
    CHECK(refused.starts_with("HTTP/1.1 401"));
    CHECK(body_of(refused).find("mamute_") == std::string::npos);
    CHECK(round_trip(running, get("/metrics", "Authorization: Bearer metrics-token-0123456789\r\n")).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, get("/metrics", "Authorization: Bearer wrong-token-0123456789\r\n")).starts_with("HTTP/1.1 401"));
    CHECK(round_trip(running, get("/healthz")).starts_with("HTTP/1.1 200"));
    CHECK(round_trip(running, get("/readyz")).starts_with("HTTP/1.1 200"));
}

TEST_CASE("observability: behind a trusted proxy the access line names the forwarded client") {
    std::string text;
    for (const bool trusted : {true, false}) {
        JsonLogCapture capture;
        {
            config::Config config;
            config.http.trust_forwarded_for = trusted;
            TestServer running(config);
            round_trip(running, get("/healthz", "X-Forwarded-For: 203.0.113.9, 198.51.100.7\r\nX-Request-Id: xff-1\r\n"));
        }
        text = capture.lines.str();
        INFO(text);
        CHECK((text.find("from 198.51.100.7") != std::string::npos) == trusted);  // the last entry: our proxy's
        CHECK(text.find("from 203.0.113.9") == std::string::npos);               // what the client wrote: never
        CHECK((text.find("from 127.0.0.1") != std::string::npos) == !trusted);
    }
}
