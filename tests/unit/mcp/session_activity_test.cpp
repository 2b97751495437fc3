// The per-replica session table: capacity, idle expiry, admission of ids seen elsewhere.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "mcp/session_activity.hpp"

using namespace mamute::mcp;
using namespace std::chrono_literals;
using Touch = SessionActivity::Touch;

namespace {
const SessionActivity::Clock::time_point start{1000h};
}

TEST_CASE("session activity: use keeps a session alive; idle past the timeout ends it", "[mcp][sessions]") {
    SessionActivity table(10, 60s);
    REQUIRE(table.start("a", start));
    CHECK(table.size() == 1);
    CHECK(table.touch("a", start + 50s) == Touch::seen);
    CHECK(table.touch("a", start + 100s) == Touch::seen);  // 50 s after its last use
    CHECK(table.touch("a", start + 160s) == Touch::seen);  // exactly the timeout is not past it
    CHECK(table.touch("a", start + 221s) == Touch::idle);
    CHECK(table.size() == 0);
}

TEST_CASE("session activity: ids from elsewhere are admitted while there is room", "[mcp][sessions]") {
    SessionActivity table(2, 60s);
    CHECK(table.touch("from-b", start) == Touch::admitted);
    CHECK(table.touch("from-b", start + 1s) == Touch::seen);
    CHECK(table.start("own", start));
    CHECK(table.touch("from-c", start + 2s) == Touch::full);
    CHECK_FALSE(table.start("another", start + 2s));
    CHECK(table.size() == 2);

    table.end("own");
    CHECK(table.size() == 1);
    table.end("own");  // twice is harmless
    CHECK(table.size() == 1);
    CHECK(table.touch("from-c", start + 3s) == Touch::admitted);
}

TEST_CASE("session activity: a full table makes room by dropping idle sessions", "[mcp][sessions]") {
    SessionActivity table(3, 60s);
    CHECK(table.start("old-1", start));
    CHECK(table.start("old-2", start));
    CHECK(table.start("recent", start + 30s));
    CHECK_FALSE(table.start("new-1", start + 59s));  // nobody idle yet
    CHECK(table.start("new-1", start + 61s));        // both old ones go
    CHECK(table.size() == 2);
    CHECK(table.start("new-2", start + 61s));
    CHECK_FALSE(table.start("new-3", start + 62s));  // "recent" is not idle until 90 s
    CHECK(table.touch("recent", start + 62s) == Touch::seen);
    CHECK(table.touch("old-1", start + 62s) == Touch::full);  // dropped, and no room to come back
}

TEST_CASE("session activity: idle sessions are swept below capacity too, so the gauge comes down",
          "[mcp][sessions]") {
    SessionActivity table(100, 60s);
    for (int i = 0; i < 10; ++i) CHECK(table.start(std::to_string(i) + "-s", start));
    CHECK(table.size() == 10);
    CHECK(table.start("late", start + 120s));
    CHECK(table.size() == 1);
}

TEST_CASE("session activity: a timeout of zero never idles", "[mcp][sessions]") {
    SessionActivity table(1, 0s);
    CHECK(table.start("a", start));
    CHECK(table.touch("a", start + 1000h) == Touch::seen);
    CHECK_FALSE(table.start("b", start + 1000h));
}

TEST_CASE("session activity: sessions a sweep drops are reported, so they can be ended", "[mcp][sessions]") {
    std::vector<std::string> ended;
    SessionActivity table(2, 60s, [&](const std::string& id) { ended.push_back(id); });
    CHECK(table.start("old", start));
    CHECK(table.start("recent", start + 30s));
    CHECK(table.start("new", start + 61s));
    CHECK(ended == std::vector<std::string>{"old"});
    // Found idle by touch: the caller ends it itself, so it is not reported twice.
    CHECK(table.touch("recent", start + 200s) == Touch::idle);
    CHECK(ended.size() == 1);
}

TEST_CASE("session activity: the count stays exact under concurrent use", "[mcp][sessions]") {
    SessionActivity table(1'000'000, 60s);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&table, t] {
            for (int i = 0; i < 2'000; ++i) {
                // Each thread admits, touches and ends ids the others touch too.
                const auto id = std::to_string(i % 500) + "-id";
                if (t % 2 == 0) {
                    table.touch(id, start);
                } else {
                    table.end(id);
                }
            }
        });
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < 500; ++i) table.end(std::to_string(i) + "-id");
    CHECK(table.size() == 0);
}
