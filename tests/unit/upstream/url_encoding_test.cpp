#include <boost/json/value.hpp>
#include <catch2/catch.hpp>

#include "upstream/http_types.hpp"
#include "upstream/url_encoding.hpp"

using namespace mamute::upstream;

TEST_CASE("percent_encode keeps only unreserved characters", "[upstream][encoding]") {
    CHECK(percent_encode("../../admin") == "..%2F..%2Fadmin");
    CHECK(percent_encode("a?x=1") == "a%3Fx%3D1");
    CHECK(percent_encode("a/b") == "a%2Fb");
    CHECK(percent_encode("über") == "%C3%BCber");
    CHECK(percent_encode("00000") == "00000");
    CHECK(percent_encode("a b+c#d&e%f") == "a%20b%2Bc%23d%26e%25f");
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(percent_encode(std::string("\r\n\0", 3)) == "%0D%0A%00");
}

TEST_CASE("encode_path_literal keeps path characters and escapes", "[upstream][encoding]") {
    CHECK(encode_path_literal("/cdn/resource/") == "/cdn/resource/");
    CHECK(encode_path_literal("/a b/c%20d/e:f@g") == "/a%20b/c%20d/e:f@g");
    CHECK(encode_path_literal("/x?y#z") == "/x%3Fy%23z");
    CHECK(encode_path_literal("/100%") == "/100%25");
}

TEST_CASE("scalar_to_string prints values as JSON would", "[upstream][encoding]") {
    CHECK(scalar_to_string(boost::json::value("x")) == "x");
    CHECK(scalar_to_string(boost::json::value(42)) == "42");
    CHECK(scalar_to_string(boost::json::value(-7)) == "-7");
    CHECK(scalar_to_string(boost::json::value(4.5)) == "4.5");
    CHECK(scalar_to_string(boost::json::value(true)) == "true");
    CHECK(scalar_to_string(boost::json::value(18446744073709551615ull)) == "18446744073709551615");
    CHECK_FALSE(scalar_to_string(boost::json::value(nullptr)));
    CHECK_FALSE(scalar_to_string(boost::json::array{1}));
}

TEST_CASE("header names and values are checked", "[upstream][encoding]") {
    CHECK(is_valid_header_name("X-API-Key"));
    CHECK_FALSE(is_valid_header_name("X API"));
    CHECK_FALSE(is_valid_header_name("X:Y"));
    CHECK_FALSE(is_valid_header_name(""));
    CHECK(is_valid_header_value("Bearer abc"));
    CHECK_FALSE(is_valid_header_value("a\r\nX-Evil: 1"));
    CHECK_FALSE(is_valid_header_value("a\nb"));
    CHECK_FALSE(is_valid_header_value(std::string("a\0b", 3)));
}

TEST_CASE("parse_http_url normalises the origin", "[upstream][encoding]") {
    auto url = parse_http_url("HTTPS://API.Example.COM:443/v1/x?a=1#frag");
    REQUIRE(url);
    CHECK(url->origin == Origin{"https", "api.example.com", 443});
    CHECK(url->path == "/v1/x");
    CHECK(url->query == "a=1");
    CHECK(url->origin.to_string() == "https://api.example.com");

    auto ipv6 = parse_http_url("http://[::1]:8080/");
    REQUIRE(ipv6);
    CHECK(ipv6->origin.host == "::1");
    CHECK(ipv6->origin.to_string() == "http://[::1]:8080");
    CHECK(parse_http_url("http://127.0.0.1")->origin == Origin{"http", "127.0.0.1", 80});
}

TEST_CASE("parse_http_url refuses what must not be called", "[upstream][encoding]") {
    auto userinfo = parse_http_url("https://user:secret@api.example.com/");
    REQUIRE_FALSE(userinfo);
    CHECK(userinfo.error().message.find("user information") != std::string::npos);
    auto ftp = parse_http_url("ftp://api.example.com/x");
    REQUIRE_FALSE(ftp);
    CHECK(ftp.error().message.find("scheme 'ftp'") != std::string::npos);
    CHECK_FALSE(parse_http_url("javascript:alert(1)"));
    CHECK_FALSE(parse_http_url("/relative/path"));
    CHECK_FALSE(parse_http_url("https://api.example.com/a b"));
    CHECK_FALSE(parse_http_url("https://api.example.com:0/"));
}
