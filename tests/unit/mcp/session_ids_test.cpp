#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "mcp/session_ids.hpp"

using namespace mamute::mcp;
using namespace std::chrono_literals;

TEST_CASE("sessions: an issued id verifies and carries the protocol version") {
    SessionIds ids("secret", 3600s);
    const auto now = SessionIds::Clock::now();
    const auto id = ids.issue("2025-06-18", now);
    for (unsigned char c : id) CHECK((c > 0x20 && c < 0x7f));
    const auto info = ids.verify(id, now + 10s);
    REQUIRE(info);
    CHECK(info->protocol_version == "2025-06-18");
    CHECK(ids.issue("2025-06-18", now) != id);  // random nonce
}

TEST_CASE("sessions: forged, tampered, foreign and expired ids are unknown") {
    SessionIds ids("secret", 3600s);
    SessionIds other("another secret", 3600s);
    const auto now = SessionIds::Clock::now();
    auto id = ids.issue("2025-11-25", now);
    CHECK_FALSE(ids.verify("", now));
    CHECK_FALSE(ids.verify("not-a-session", now));
    CHECK_FALSE(other.verify(id, now));
    auto tampered = id;
    tampered[3] = tampered[3] == 'a' ? 'b' : 'a';
    CHECK_FALSE(ids.verify(tampered, now));
    CHECK_FALSE(ids.verify(id, now + 3601s));
    CHECK(ids.verify(id, now + 3599s));
}

TEST_CASE("sessions: an ended session stays unknown, others live on") {
    SessionIds ids("secret", 3600s);
    const auto now = SessionIds::Clock::now();
    const auto first = ids.issue("2025-11-25", now);
    const auto second = ids.issue("2025-11-25", now);
    CHECK(ids.end(first, now));
    CHECK_FALSE(ids.verify(first, now));
    CHECK(ids.verify(second, now));
    CHECK_FALSE(ids.end(first, now));
    CHECK_FALSE(ids.end("forged", now));
}

TEST_CASE("sessions: the ended set is bounded") {
    SessionIds ids("secret", 3600s, 16);  // one remembered id per shard
    const auto now = SessionIds::Clock::now();
    std::vector<std::string> ended;
    for (int i = 0; i < 200; ++i) {
        ended.push_back(ids.issue("2025-11-25", now + std::chrono::milliseconds(i)));
        CHECK(ids.end(ended.back(), now + 10s));
    }
    std::size_t still_refused = 0;
    for (const auto& id : ended) still_refused += !ids.verify(id, now + 10s);
    // The newest ended id is always remembered; the oldest were forgotten to keep the bound.
    CHECK_FALSE(ids.verify(ended.back(), now + 10s));
    CHECK(still_refused >= 1);
    CHECK(still_refused <= 16);
}

TEST_CASE("sessions: the id's MAC is HMAC-SHA256 of its payload, truncated, so ids from other versions verify") {
    // Replicas of different builds share ids: the signature must stay plain HMAC-SHA256 with the secret.
    const std::string secret = "a shared replica secret";
    SessionIds ids(secret, 3600s);
    const auto now = SessionIds::Clock::now();
    const auto id = ids.issue("2025-06-18", now);
    REQUIRE(id.size() == 2 * (25 + 16));
    std::string payload;
    for (std::size_t i = 0; i < 50; i += 2) payload.push_back(static_cast<char>(std::stoi(id.substr(i, 2), nullptr, 16)));
    unsigned char mac[32];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(payload.data()),
         payload.size(), mac, &length);
    std::string expected;
    for (int i = 0; i < 16; ++i) {
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02x", mac[i]);
        expected += hex;
    }
    CHECK(id.substr(50) == expected);
}

TEST_CASE("sessions: threads issue and verify ids at once") {
    // Every I/O thread signs with its own copy of the one keyed MAC.
    SessionIds ids("secret", 3600s);
    const auto now = SessionIds::Clock::now();
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) good += ids.verify(ids.issue("2025-11-25", now), now) ? 1 : 0;
        });
    for (auto& thread : threads) thread.join();
    CHECK(good == 2000);
}
