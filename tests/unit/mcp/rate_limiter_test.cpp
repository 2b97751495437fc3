// Token buckets per client, with a clock the test moves.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "mcp/rate_limiter.hpp"

using namespace mamute::mcp;
using namespace std::chrono_literals;

namespace {
const RateLimiter::Clock::time_point start{1000h};
}

TEST_CASE("rate limiter: off at 0 per minute", "[mcp][rate]") {
    RateLimiter off(0, 1);
    CHECK_FALSE(off.enabled());
    for (int i = 0; i < 1000; ++i) REQUIRE(off.take("c", 1, start).allowed);
    CHECK(off.tracked_clients() == 0);
}

TEST_CASE("rate limiter: a burst, then the refill rate; Retry-After rounds up", "[mcp][rate]") {
    RateLimiter limiter(60, 3);  // one token a second, three at most
    for (int i = 0; i < 3; ++i) CHECK(limiter.take("c", 1, start).allowed);
    auto refused = limiter.take("c", 1, start);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 1s);
    CHECK_FALSE(refused.over_burst);

    // Half a token back after half a second: still one second to wait, rounded up.
    auto half = limiter.take("c", 1, start + 500ms);
    CHECK_FALSE(half.allowed);
    CHECK(half.retry_after == 1s);
    CHECK(limiter.take("c", 1, start + 1000ms).allowed);
    CHECK_FALSE(limiter.take("c", 1, start + 1000ms).allowed);

    // Idle for long: back to the burst, never beyond it.
    const auto later = start + 1h;
    for (int i = 0; i < 3; ++i) CHECK(limiter.take("c", 1, later).allowed);
    CHECK_FALSE(limiter.take("c", 1, later).allowed);
}

TEST_CASE("rate limiter: slow rates give long waits", "[mcp][rate]") {
    RateLimiter limiter(2, 1);  // one token per 30 s
    CHECK(limiter.take("c", 1, start).allowed);
    auto refused = limiter.take("c", 1, start + 10s);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 20s);
}

TEST_CASE("rate limiter: clients have their own buckets", "[mcp][rate]") {
    RateLimiter limiter(60, 1);
    CHECK(limiter.take("a", 1, start).allowed);
    CHECK_FALSE(limiter.take("a", 1, start).allowed);
    CHECK(limiter.take("b", 1, start).allowed);
    CHECK(limiter.tracked_clients() == 2);
}

TEST_CASE("rate limiter: a batch takes all its tokens or none", "[mcp][rate]") {
    RateLimiter limiter(60, 5);
    CHECK(limiter.take("c", 3, start).allowed);
    auto refused = limiter.take("c", 3, start);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 1s);
    CHECK(limiter.take("c", 2, start).allowed);  // the refusal took nothing

    auto too_big = limiter.take("c", 6, start + 1h);
    CHECK_FALSE(too_big.allowed);
    CHECK(too_big.over_burst);
    CHECK(limiter.take("c", 5, start + 1h).allowed);
    CHECK(limiter.take("c", 0, start + 1h).allowed);
}

TEST_CASE("rate limiter: the table stays bounded", "[mcp][rate]") {
    RateLimiter limiter(60, 2, 16 * 8);  // 8 clients per shard
    for (int i = 0; i < 10'000; ++i) limiter.take("client-" + std::to_string(i), 1, start + std::chrono::milliseconds(i));
    CHECK(limiter.tracked_clients() <= 16 * 8);
    CHECK(limiter.tracked_clients() >= 16);
}

TEST_CASE("rate limiter: refilled buckets are dropped before a drained one, however old", "[mcp][rate]") {
    RateLimiter limiter(60, 1000, 16 * 8);  // one token a second
    CHECK(limiter.take("busy", 1000, start).allowed);
    // Ten new clients a second for 200 s: each refills within a second of its call.
    for (int i = 0; i < 2'000; ++i) limiter.take("other-" + std::to_string(i), 1, start + 1s + i * 100ms);
    CHECK(limiter.tracked_clients() <= 16 * 8);
    // Still drained (about 200 of 1000 tokens back): a fresh bucket would have let this through.
    CHECK_FALSE(limiter.take("busy", 1000, start + 201s).allowed);
}

TEST_CASE("rate limiter: keyed by hashed credential, else address", "[mcp][rate]") {
    const std::optional<std::string> none;
    const auto by_key = rate_limit_key({{"X-API-Key", "k1"}}, "10.0.0.1", none, false);
    CHECK(by_key == rate_limit_key({{"X-API-Key", "k1"}}, "10.0.0.2", none, false));  // one key, any address
    CHECK(by_key != rate_limit_key({{"X-API-Key", "k2"}}, "10.0.0.1", none, false));  // two keys behind one NAT
    CHECK(by_key.find("k1") == std::string::npos);                                   // never the key itself

    CHECK(rate_limit_key({}, "10.0.0.1", none, false) == "addr:10.0.0.1");
    const std::optional<std::string> forwarded = "198.51.100.7, 203.0.113.9 ";
    CHECK(rate_limit_key({}, "10.0.0.1", forwarded, false) == "addr:10.0.0.1");  // not trusted
    // Trusted: the entry our proxy appended, not whatever the client put first.
    CHECK(rate_limit_key({}, "10.0.0.1", forwarded, true) == "addr:203.0.113.9");
    CHECK(rate_limit_key({}, "10.0.0.1", std::optional<std::string>("203.0.113.9"), true) == "addr:203.0.113.9");
    CHECK(rate_limit_key({}, "10.0.0.1", std::optional<std::string>(" , "), true) == "addr:10.0.0.1");
}

TEST_CASE("rate limiter: concurrent callers share one bucket exactly", "[mcp][rate]") {
    RateLimiter limiter(1, 100);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1'000; ++i) allowed += limiter.take("shared", 1, start).allowed;
        });
    for (auto& thread : threads) thread.join();
    CHECK(allowed == 100);
}
