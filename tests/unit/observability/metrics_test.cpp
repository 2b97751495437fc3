// The metrics registry and its Prometheus rendering, and the observability endpoints, without sockets.
#include <catch2/catch.hpp>
#include <cstring>
#include <regex>
#include <set>
#include <sstream>

#include "observability/endpoints.hpp"
#include "observability/metrics.hpp"

using namespace mamute;
using namespace std::chrono_literals;
using observability::Metrics;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string candidate; std::getline(in, candidate);)
        if (candidate == line) return true;
    return false;
}

}  // namespace

TEST_CASE("metrics: counters render only their non-zero series, with HELP and TYPE") {
    Metrics metrics;
    metrics.http_request("POST", 200);
    metrics.http_request("POST", 200);
    metrics.http_request("PATCH", 405);  // not one of ours: counted as "other"
    metrics.http_request("GET", 999);    // out of range: not counted
    metrics.tool_call("list-specs", false, 3ms);
    metrics.tool_call("execute-request", true, 2s);
    metrics.tool_call("no-such-tool", true, 1ms);
    metrics.upstream_failure(upstream::FailureKind::timeout);
    metrics.rate_limited();
    metrics.auth_failure();
    metrics.auth_failure();

    const auto text = metrics.render();
    CHECK(has_line(text, R"(mamute_http_requests_total{method="POST",status="200"} 2)"));
    CHECK(has_line(text, R"(mamute_http_requests_total{method="other",status="405"} 1)"));
    CHECK(text.find(R"(method="GET")") == std::string::npos);
    CHECK(text.find(R"(status="201")") == std::string::npos);
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="list-specs",outcome="success"} 1)"));
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="execute-request",outcome="error"} 1)"));
    CHECK(has_line(text, R"(mamute_tool_calls_total{tool="other",outcome="error"} 1)"));
    CHECK(text.find(R"(tool="list-specs",outcome="error")") == std::string::npos);
    CHECK(has_line(text, R"(mamute_upstream_errors_total{kind="timeout"} 1)"));
    CHECK(text.find(R"(kind="connect")") == std::string::npos);
    CHECK(has_line(text, "mamute_rate_limited_total 1"));
    CHECK(has_line(text, "mamute_auth_failures_total 2"));
    CHECK(metrics.http_requests("POST", 200) == 2);
    CHECK(metrics.tool_calls("list-specs", false) == 1);

    // Every family is announced once, before its samples; every sample line is well formed.
    const std::regex sample(R"(^(mamute_[a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$)");
    std::set<std::string> typed;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# HELP ")) continue;
        if (line.starts_with("# TYPE ")) {
            const auto name = line.substr(7, line.find(' ', 7) - 7);
            CHECK(typed.insert(name).second);
            continue;
        }
        std::smatch match;
        INFO(line);
        REQUIRE(std::regex_match(line, match, sample));
        auto family = match[1].str();
        for (const char* suffix : {"_bucket", "_sum", "_count"})
            if (!typed.contains(family) && family.ends_with(suffix)) family.resize(family.size() - std::strlen(suffix));
        CHECK(typed.contains(family));
    }
    CHECK(text.ends_with("\n"));
}

TEST_CASE("metrics: histograms are cumulative with _sum and _count") {
    Metrics metrics;
    metrics.tool_call("get-endpoint", false, 3ms);
    metrics.tool_call("get-endpoint", false, 40ms);
    metrics.tool_call("get-endpoint", false, 60s);  // past the last bound: only +Inf
    metrics.upstream_call(700ms);

    const auto text = metrics.render();
    const std::string h = "mamute_tool_call_duration_seconds";
    CHECK(has_line(text, h + R"(_bucket{tool="get-endpoint",le="0.0025"} 0)"));
    CHECK(has_line(text, h + R"(_bucket{tool="get-endpoint",le="0.005"} 1)"));
    CHECK(has_line(text, h + R"(_bucket{tool="get-endpoint",le="0.05"} 2)"));
    CHECK(has_line(text, h + R"(_bucket{tool="get-endpoint",le="30"} 2)"));
    CHECK(has_line(text, h + R"(_bucket{tool="get-endpoint",le="+Inf"} 3)"));
    CHECK(has_line(text, h + R"(_count{tool="get-endpoint"} 3)"));
    CHECK(has_line(text, h + R"(_sum{tool="get-endpoint"} 60.043)"));
    // Tools never called have no series.
    CHECK(text.find(h + R"(_count{tool="list-specs"})") == std::string::npos);

    CHECK(has_line(text, R"(mamute_upstream_call_duration_seconds_bucket{le="0.5"} 0)"));
    CHECK(has_line(text, R"(mamute_upstream_call_duration_seconds_bucket{le="1"} 1)"));
    CHECK(has_line(text, "mamute_upstream_call_duration_seconds_count 1"));
}

TEST_CASE("metrics: gauges follow connections, streams, sessions and specs") {
    Metrics metrics;
    metrics.connection_opened();
    metrics.connection_opened();
    metrics.connection_closed();
    metrics.sse_stream_opened();
    metrics.set_specs(2, 80);
    metrics.set_open_sessions(5);
    auto text = metrics.render();
    CHECK(has_line(text, "mamute_open_connections 1"));
    CHECK(has_line(text, "mamute_sse_streams_open 1"));
    CHECK(has_line(text, "mamute_specs_loaded 2"));
    CHECK(has_line(text, "mamute_operations_loaded 80"));
    CHECK(has_line(text, "mamute_open_sessions 5"));

    metrics.set_sessions_gauge_source([] { return std::size_t{7}; });
    CHECK(has_line(metrics.render(), "mamute_open_sessions 7"));
}

TEST_CASE("observability endpoints: health, readiness and metrics, and nothing else") {
    Metrics metrics;
    metrics.set_specs(1, 68);

    auto health = observability::observability_reply("GET", "/healthz", {metrics, true});
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->body == R"({"status":"ok"})");

    auto ready = observability::observability_reply("GET", "/readyz?verbose=1", {metrics, true});
    REQUIRE(ready);
    CHECK(ready->status == 200);
    CHECK(ready->body == R"({"status":"ready","specs":1})");

    auto draining = observability::observability_reply("GET", "/readyz", {metrics, false});
    REQUIRE(draining);
    CHECK(draining->status == 503);
    CHECK(draining->body == R"({"status":"not ready","specs":1})");

    Metrics empty;
    CHECK(observability::observability_reply("GET", "/readyz", {empty, true})->status == 503);

    auto scrape = observability::observability_reply("GET", "/metrics", {metrics, true});
    REQUIRE(scrape);
    CHECK(scrape->status == 200);
    CHECK(scrape->content_type.starts_with("text/plain; version=0.0.4"));
    CHECK(scrape->body.find("mamute_operations_loaded 68") != std::string::npos);

    auto posted = observability::observability_reply("POST", "/metrics", {metrics, true});
    REQUIRE(posted);
    CHECK(posted->status == 405);

    CHECK_FALSE(observability::observability_reply("POST", "/mcp", {metrics, true}));
    CHECK_FALSE(observability::observability_reply("GET", "/healthz/extra", {metrics, true}));
    CHECK(observability::admin_not_found().status == 404);
}
