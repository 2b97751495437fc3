#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "mcp/http_rules.hpp"

using namespace mamute::mcp;

TEST_CASE("http rules: default origins allow localhost on any port and nothing else") {
    const auto allowed = mamute::config::HttpConfig{}.allowed_origins;
    CHECK(origin_allowed("http://localhost:6274", allowed));
    CHECK(origin_allowed("http://localhost", allowed));
    CHECK(origin_allowed("http://127.0.0.1:3000", allowed));
    CHECK(origin_allowed("HTTP://LOCALHOST:80", allowed));
    CHECK(origin_allowed("http://[::1]:8080", allowed));
    CHECK_FALSE(origin_allowed("http://evil.example.com", allowed));
    CHECK_FALSE(origin_allowed("http://localhost.evil.example.com", allowed));
    CHECK_FALSE(origin_allowed("http://localhost:80.evil.com", allowed));
    CHECK_FALSE(origin_allowed("null", allowed));
    CHECK(origin_allowed("https://app.example.com", {"https://app.example.com"}));
    CHECK_FALSE(origin_allowed("https://app.example.com:444", {"https://app.example.com"}));
}

TEST_CASE("http rules: host allow-list ignores the port; empty list allows all") {
    const std::vector<std::string> loopback = {"localhost", "127.0.0.1", "[::1]"};
    CHECK(host_allowed("localhost:8080", loopback));
    CHECK(host_allowed("127.0.0.1", loopback));
    CHECK(host_allowed("[::1]:9", loopback));
    CHECK_FALSE(host_allowed("evil.example.com", loopback));
    CHECK_FALSE(host_allowed("evil.example.com:8080", loopback));
    CHECK(host_allowed("anything.example.com", {}));
}

TEST_CASE("http rules: Accept and Content-Type are judged leniently but not blindly") {
    CHECK(accept_acceptable(std::nullopt));
    CHECK(accept_acceptable("application/json"));
    CHECK(accept_acceptable("application/json, text/event-stream"));
    CHECK(accept_acceptable("*/*"));
    CHECK_FALSE(accept_acceptable("text/html"));
    CHECK(content_type_is_json("application/json; charset=utf-8"));
    CHECK(content_type_is_json(std::nullopt));
    CHECK_FALSE(content_type_is_json("text/plain"));
    CHECK_FALSE(content_type_is_json("application/jsonx"));
}
