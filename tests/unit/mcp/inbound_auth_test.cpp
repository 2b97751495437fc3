// The inbound bearer token, without a server around it.
#include <catch2/catch.hpp>

#include "mcp/inbound_auth.hpp"

using namespace mamute::mcp;

TEST_CASE("inbound auth: off without a token; then only the exact bearer token passes", "[mcp][auth]") {
    const InboundAuth off("");
    CHECK_FALSE(off.enabled());
    CHECK(off.accepts(std::nullopt));

    const InboundAuth auth("s3cret-token");
    REQUIRE(auth.enabled());
    CHECK(auth.accepts("Bearer s3cret-token"));
    CHECK(auth.accepts("bearer s3cret-token"));     // the scheme is case-insensitive
    CHECK(auth.accepts("BEARER   s3cret-token  "));  // spaces around the token
    CHECK_FALSE(auth.accepts(std::nullopt));
    CHECK_FALSE(auth.accepts(""));
    CHECK_FALSE(auth.accepts("Bearer"));
    CHECK_FALSE(auth.accepts("Bearer "));
    CHECK_FALSE(auth.accepts("s3cret-token"));             // no scheme
    CHECK_FALSE(auth.accepts("Basic s3cret-token"));       // another scheme
    CHECK_FALSE(auth.accepts("Bearers3cret-token"));       // no separator
    CHECK_FALSE(auth.accepts("Bearer s3cret-toke"));       // a prefix
    CHECK_FALSE(auth.accepts("Bearer s3cret-token2"));     // longer
    CHECK_FALSE(auth.accepts("Bearer S3CRET-TOKEN"));      // the token itself is case-sensitive
    CHECK_FALSE(auth.accepts(std::string("Bearer s3cret-token\0", 20)));
}

TEST_CASE("inbound auth: our Authorization header is not forwarded, others are", "[mcp][auth]") {
    const HeaderPairs credentials{{"X-API-Key", "k1"}, {"authorization", "Bearer s3cret"}, {"X-Other", "o"}};
    CHECK(InboundAuth("").forwardable(credentials) == credentials);
    CHECK(InboundAuth("s3cret").forwardable(credentials) == HeaderPairs{{"X-API-Key", "k1"}, {"X-Other", "o"}});

    CHECK(find_header(credentials, "Authorization") == "Bearer s3cret");
    CHECK(find_header(credentials, "x-api-key") == "k1");
    CHECK_FALSE(find_header(credentials, "Cookie"));
}

TEST_CASE("inbound auth: sha256 is the standard digest", "[mcp][auth]") {
    // FIPS 180-2 test vector for "abc".
    const auto digest = sha256("abc");
    const unsigned char expected[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                      0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                      0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    CHECK(std::equal(digest.begin(), digest.end(), std::begin(expected)));
}
