#include "observability/metrics.hpp"

#include <algorithm>
#include <spdlog/fmt/fmt.h>

namespace mamute::observability {

namespace {

constexpr auto relaxed = std::memory_order_relaxed;

template <std::size_t N>
std::size_t index_of(const std::array<std::string_view, N>& names, std::string_view name) {
    const auto at = std::find(names.begin(), names.end(), name);
    return at == names.end() ? N - 1 : static_cast<std::size_t>(at - names.begin());  // the last one is "other"
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::string_view labels, auto value) {
    if (labels.empty())
        fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
    else
        fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
}

}  // namespace

void Histogram::observe(std::chrono::nanoseconds elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(latency_bounds.begin(), latency_bounds.end(), seconds) - latency_bounds.begin());
    buckets_[bucket].fetch_add(1, relaxed);
    sum_nanoseconds_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, elapsed.count())), relaxed);
    count_.fetch_add(1, relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    // Buckets are cumulative in the exposition format; a concurrent observe() may make _count differ
    // from +Inf by one for a moment, which Prometheus tolerates.
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < latency_bounds.size(); ++i) {
        cumulative += buckets_[i].load(relaxed);
        fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"{}\"}} {}\n", name, prefix, latency_bounds[i],
                       cumulative);
    }
    cumulative += buckets_.back().load(relaxed);
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"+Inf\"}} {}\n", name, prefix, cumulative);
    sample(out, std::string(name) + "_sum", labels, static_cast<double>(sum_nanoseconds_.load(relaxed)) / 1e9);
    sample(out, std::string(name) + "_count", labels, count_.load(relaxed));
}

void Metrics::http_request(std::string_view method, unsigned status) {
    if (status < first_status || status >= first_status + status_count) return;
    http_requests_[index_of(http_methods, method)][status - first_status].fetch_add(1, relaxed);
}

void Metrics::tool_call(std::string_view tool, bool is_error, std::chrono::nanoseconds elapsed) {
    const auto index = index_of(tool_names, tool);
    tool_calls_[index][is_error ? 1 : 0].fetch_add(1, relaxed);
    tool_latency_[index].observe(elapsed);
}

void Metrics::upstream_call(std::chrono::nanoseconds elapsed) { upstream_latency_.observe(elapsed); }

void Metrics::upstream_failure(upstream::FailureKind kind) {
    const auto index = static_cast<std::size_t>(kind);
    if (index < upstream_failures_.size()) upstream_failures_[index].fetch_add(1, relaxed);
}

std::uint64_t Metrics::http_requests(std::string_view method, unsigned status) const {
    if (status < first_status || status >= first_status + status_count) return 0;
    return http_requests_[index_of(http_methods, method)][status - first_status].load(relaxed);
}

std::uint64_t Metrics::tool_calls(std::string_view tool, bool is_error) const {
    return tool_calls_[index_of(tool_names, tool)][is_error ? 1 : 0].load(relaxed);
}

std::uint64_t Metrics::upstream_failures(upstream::FailureKind kind) const {
    const auto index = static_cast<std::size_t>(kind);
    return index < upstream_failures_.size() ? upstream_failures_[index].load(relaxed) : 0;
}

std::string Metrics::render() const {
    std::string out;
    out.reserve(8 * 1024);

    header(out, "mamute_http_requests_total", "counter", "HTTP requests answered, by method and status.");
    for (std::size_t m = 0; m < http_methods.size(); ++m)
        for (unsigned s = 0; s < status_count; ++s)
            if (const auto value = http_requests_[m][s].load(relaxed))
                sample(out, "mamute_http_requests_total",
                       fmt::format("method=\"{}\",status=\"{}\"", http_methods[m], first_status + s), value);

    header(out, "mamute_tool_calls_total", "counter", "MCP tool calls, by tool and outcome (error: isError).");
    for (std::size_t t = 0; t < tool_names.size(); ++t)
        for (int e = 0; e < 2; ++e)
            if (const auto value = tool_calls_[t][e].load(relaxed))
                sample(out, "mamute_tool_calls_total",
                       fmt::format("tool=\"{}\",outcome=\"{}\"", tool_names[t], e ? "error" : "success"), value);

    header(out, "mamute_tool_call_duration_seconds", "histogram", "Time to answer a tool call, by tool.");
    for (std::size_t t = 0; t < tool_names.size(); ++t)
        if (tool_latency_[t].count() > 0)
            tool_latency_[t].render(out, "mamute_tool_call_duration_seconds",
                                    fmt::format("tool=\"{}\"", tool_names[t]));

    header(out, "mamute_upstream_call_duration_seconds", "histogram",
           "Time of live API calls made by execute-request, failed ones included.");
    upstream_latency_.render(out, "mamute_upstream_call_duration_seconds", "");

    header(out, "mamute_upstream_errors_total", "counter", "Live API calls that got no HTTP response, by kind.");
    for (std::size_t k = 0; k < failure_kinds.size(); ++k)
        if (const auto value = upstream_failures_[k].load(relaxed))
            sample(out, "mamute_upstream_errors_total", fmt::format("kind=\"{}\"", failure_kinds[k]), value);

    header(out, "mamute_rate_limited_total", "counter", "Requests refused by the rate limit.");
    sample(out, "mamute_rate_limited_total", "", rate_limited_.load(relaxed));
    header(out, "mamute_auth_failures_total", "counter", "Requests refused for a missing or wrong bearer token.");
    sample(out, "mamute_auth_failures_total", "", auth_failures_.load(relaxed));

    header(out, "mamute_open_connections", "gauge", "Client HTTP connections open.");
    sample(out, "mamute_open_connections", "", open_connections_.load(relaxed));
    header(out, "mamute_open_sessions", "gauge", "MCP sessions open.");
    sample(out, "mamute_open_sessions", "", sessions_source_ ? sessions_source_() : open_sessions_.load(relaxed));
    header(out, "mamute_sse_streams_open", "gauge", "Server-Sent Events streams open.");
    sample(out, "mamute_sse_streams_open", "", sse_streams_.load(relaxed));
    header(out, "mamute_specs_loaded", "gauge", "API specs loaded.");
    sample(out, "mamute_specs_loaded", "", specs_.load(relaxed));
    header(out, "mamute_operations_loaded", "gauge", "Operations across the loaded specs.");
    sample(out, "mamute_operations_loaded", "", operations_.load(relaxed));
    return out;
}

}  // namespace mamute::observability
