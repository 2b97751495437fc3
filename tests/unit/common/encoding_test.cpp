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

TEST_CASE("utf8_sequence_length: well-formed characters only") {
    using mamute::utf8_sequence_length;
    CHECK(utf8_sequence_length("a", 0) == 1);
    CHECK(utf8_sequence_length("\xC3\xA9", 0) == 2);            // é
    CHECK(utf8_sequence_length("\xE2\x82\xAC", 0) == 3);        // €
    CHECK(utf8_sequence_length("\xF0\x9F\x98\x80", 0) == 4);    // U+1F600
    CHECK(utf8_sequence_length("x\xC3\xA9", 1) == 2);
    CHECK(utf8_sequence_length("\xC0\xAF", 0) == 0);            // overlong
    CHECK(utf8_sequence_length("\xE0\x80\xAF", 0) == 0);        // overlong
    CHECK(utf8_sequence_length("\xED\xA0\x80", 0) == 0);        // surrogate
    CHECK(utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0);    // above U+10FFFF
    CHECK(utf8_sequence_length("\xE2\x82", 0) == 0);            // cut short
    CHECK(utf8_sequence_length("\x80", 0) == 0);                // lone continuation byte
}
