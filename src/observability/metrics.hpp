#pragma once
// Process metrics for Prometheus. Every label set is fixed up front, so each counter is one
// std::atomic in a flat array: recording never allocates or locks, whichever thread it runs on.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "upstream/http_types.hpp"

namespace mamute::observability {

// Seconds; the last bucket (+Inf) is implicit.
inline constexpr std::array<double, 15> latency_bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                          0.25,   0.5,   1.0,    2.5,   5.0,  10.0,  30.0};

// A cumulative-at-render histogram: observe() bumps one bucket, the sum (in nanoseconds) and the count.
class Histogram {
public:
    void observe(std::chrono::nanoseconds elapsed);
    std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
    // Appends the _bucket/_sum/_count lines; `labels` is empty or `name="value"` pairs without braces.
    void render(std::string& out, std::string_view name, std::string_view labels) const;

private:
    std::array<std::atomic<std::uint64_t>, latency_bounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> sum_nanoseconds_{0};
    std::atomic<std::uint64_t> count_{0};
};

inline constexpr std::array<std::string_view, 5> http_methods = {"GET", "POST", "DELETE", "OPTIONS", "other"};
inline constexpr std::array<std::string_view, 7> tool_names = {
    "list-specs", "list-endpoints", "search-endpoints", "get-endpoint", "get-server-variables", "execute-request",
    "other"};
inline constexpr std::array<std::string_view, 10> failure_kinds = {
    "resolve", "connect", "tls", "timeout", "send", "receive", "too_large", "protocol", "refused", "redirect"};

class Metrics {
public:
    Metrics() = default;
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Statuses outside 100..599 are not counted (we never send them).
    void http_request(std::string_view method, unsigned status);
    void tool_call(std::string_view tool, bool is_error, std::chrono::nanoseconds elapsed);
    void upstream_call(std::chrono::nanoseconds elapsed);
    void upstream_failure(upstream::FailureKind kind);
    void rate_limited() { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
    void auth_failure() { auth_failures_.fetch_add(1, std::memory_order_relaxed); }

    void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
    void sse_stream_opened() { sse_streams_.fetch_add(1, std::memory_order_relaxed); }
    void sse_stream_closed() { sse_streams_.fetch_sub(1, std::memory_order_relaxed); }

    void set_specs(std::size_t specs, std::size_t operations) {
        specs_.store(specs, std::memory_order_relaxed);
        operations_.store(operations, std::memory_order_relaxed);
    }
    std::size_t specs() const { return specs_.load(std::memory_order_relaxed); }

    // The session tracker either pushes its count here...
    void set_open_sessions(std::size_t sessions) { open_sessions_.store(sessions, std::memory_order_relaxed); }
    // ...or is asked at render time. Set once during wiring, before the server starts: render()
    // reads it without a lock.
    void set_sessions_gauge_source(std::function<std::size_t()> source) { sessions_source_ = std::move(source); }

    // Reads, for tests and readiness.
    std::uint64_t http_requests(std::string_view method, unsigned status) const;
    std::uint64_t tool_calls(std::string_view tool, bool is_error) const;
    std::uint64_t upstream_failures(upstream::FailureKind kind) const;
    std::size_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

    // Prometheus text exposition format 0.0.4; sparse counters list only their non-zero series.
    std::string render() const;

private:
    static constexpr unsigned first_status = 100;
    static constexpr unsigned status_count = 500;  // 100..599

    std::array<std::array<std::atomic<std::uint64_t>, status_count>, http_methods.size()> http_requests_{};
    std::array<std::array<std::atomic<std::uint64_t>, 2>, tool_names.size()> tool_calls_{};  // [tool][is_error]
    std::array<Histogram, tool_names.size()> tool_latency_;
    Histogram upstream_latency_;
    std::array<std::atomic<std::uint64_t>, failure_kinds.size()> upstream_failures_{};
    std::atomic<std::uint64_t> rate_limited_{0};
    std::atomic<std::uint64_t> auth_failures_{0};
    std::atomic<std::int64_t> open_connections_{0};
    std::atomic<std::int64_t> sse_streams_{0};
    std::atomic<std::size_t> open_sessions_{0};
    std::atomic<std::size_t> specs_{0};
    std::atomic<std::size_t> operations_{0};
    std::function<std::size_t()> sessions_source_;
};

}  // namespace mamute::observability
