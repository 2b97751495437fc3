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

TEST_CASE("parse_http_url refuses ports outside 1-65535 instead of wrapping them", "[upstream][encoding]") {
    // Boost.URL's port_number() is a uint16_t: 99999 used to become 34463, 104349 became 38813.
    for (const auto* url : {"http://x.com:99999/", "http://127.0.0.1:104349/cdn/resource", "http://x.com:65536",
                            "http://x.com:0/", "http://x.com:00/", "http://x.com:18446744073709551617/",
                            "http://x.com:/", "http://x.com:8a/", "http://[::1]:70000/", "http://x.com:-1/"}) {
        INFO(url);
        auto parsed = parse_http_url(url);
        REQUIRE_FALSE(parsed);
        CHECK_THAT(parsed.error().message, Catch::Contains("a port is a number from 1 to 65535"));
    }
    CHECK(parse_http_url("http://x.com:99999/").error().message ==
          "'http://x.com:99999/' has an invalid port '99999': a port is a number from 1 to 65535");
    CHECK(parse_http_url("http://x.com:/").error().message ==
          "'http://x.com:/' has an invalid port '': a port is a number from 1 to 65535");
    CHECK(parse_http_url("http://x.com:65535")->origin.port == 65535);
    CHECK(parse_http_url("http://x.com:1")->origin.port == 1);
    CHECK(parse_http_url("http://x.com:00080/")->origin.port == 80);
    CHECK(parse_http_url("http://[::1]:8080/")->origin.port == 8080);
}

TEST_CASE("validate_base_url: an http(s) origin with an optional path, nothing else", "[upstream][encoding]") {
    auto ok = validate_base_url("http://127.0.0.1:4010/v1/");
    REQUIRE(ok);
    CHECK(ok->origin == Origin{"http", "127.0.0.1", 4010});
    CHECK(ok->path == "/v1/");
    CHECK(validate_base_url("https://API.example.com")->origin == Origin{"https", "api.example.com", 443});
    CHECK(validate_base_url("https://[::1]:8443")->origin == Origin{"https", "::1", 8443});

    struct Case {
        const char* url;
        const char* message;
    };
    for (const auto& [url, message] : {
             Case{"", "'' is not an absolute http(s) URL"},
             Case{"api.example.com", "'api.example.com' is not an absolute http(s) URL"},
             Case{"https://", "'https://' has no host"},
             Case{"http://:8080/", "'http://:8080/' has no host"},
             Case{"http://[::1", "'http://[::1' has a '[' without its ']'"},
             Case{"http://[::1/v1", "'http://[::1/v1' has a '[' without its ']'"},
             Case{"https://user:pw@api.example.com", "refused: URLs with user information (user:password@) are not allowed"},
             Case{"https://api.example.com/v1?key=1", "'https://api.example.com/v1?key=1' has a query ('?'): a base URL is scheme://host[:port][/path]"},
             Case{"https://api.example.com/?", "'https://api.example.com/?' has a query ('?'): a base URL is scheme://host[:port][/path]"},
             Case{"https://api.example.com/#top", "'https://api.example.com/#top' has a fragment ('#'): a base URL is scheme://host[:port][/path]"},
             Case{"http://x.com:99999", "'http://x.com:99999' has an invalid port '99999': a port is a number from 1 to 65535"},
             Case{"http://x.com:0", "'http://x.com:0' has an invalid port '0': a port is a number from 1 to 65535"},
             Case{"http://x.com:http", "'http://x.com:http' has an invalid port 'http': a port is a number from 1 to 65535"},
             Case{"ftp://x.com", "refused: scheme 'ftp' is not allowed (only http and https)"},
         }) {
        INFO(url);
        auto result = validate_base_url(url);
        REQUIRE_FALSE(result);
        CHECK(result.error().message == message);
    }
}

TEST_CASE("URL errors quote at most 200 bytes of the URL", "[upstream][encoding]") {
    const std::string url = "http://x.com:1/" + std::string(900'000, 'a') + " b";
    auto parsed = parse_http_url(url);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.size() < 400);
    CHECK_THAT(parsed.error().message, Catch::Contains("…(900017 bytes)"));
}
