#include <catch2/catch.hpp>

#include "common/encoding.hpp"

using namespace mamute;

TEST_CASE("encoding: base64 round-trips in both alphabets, RFC 4648 vectors") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode("\xfb\xff", Base64Alphabet::url) == "-_8");
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    for (std::string data : {std::string(""), std::string("a"), std::string("ab"), std::string("\0\x01\xfe\xff", 4),
                             std::string("tools:100")}) {
        CHECK(base64_decode(base64_encode(data)) == data);
        CHECK(base64_decode(base64_encode(data, Base64Alphabet::url), Base64Alphabet::url) == data);
    }
}

TEST_CASE("encoding: malformed base64 is refused") {
    CHECK_FALSE(base64_decode("Zg=a"));
    CHECK_FALSE(base64_decode("Zg==="));
    CHECK_FALSE(base64_decode("Z"));
    CHECK_FALSE(base64_decode("!!"));
    CHECK_FALSE(base64_decode("+/8", Base64Alphabet::url));
    CHECK_FALSE(base64_decode("Zg==", Base64Alphabet::url));
}

TEST_CASE("encoding: hex, trimming and lower case") {
    CHECK(hex_encode(std::string("\x00\xab\xff", 3)) == "00abff");
    CHECK(trim_whitespace(" \tx y\t ") == "x y");
    CHECK(trim_whitespace("   ").empty());
    CHECK(ascii_lower("Content-TYPE \xc3\x9c") == "content-type \xc3\x9c");
}
