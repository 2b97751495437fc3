// Words out of identifiers and prose, folded so queries and endpoints meet.
#include <catch2/catch.hpp>

#include "search/tokenizer.hpp"

using namespace mamute::search;
using Words = std::vector<std::string>;

TEST_CASE("camelCase, snake_case, kebab-case and paths split into lower-case words", "[search]") {
    CHECK(split_words("purgeCacheByURL") == Words{"purge", "cache", "by", "url"});
    CHECK(split_words("HTTPServerError") == Words{"http", "server", "error"});
    CHECK(split_words("zone_id") == Words{"zone", "id"});
    CHECK(split_words("check-distribution-name") == Words{"check", "distribution", "name"});
    CHECK(split_words("/cdn/resource/{id}/purge/url") == Words{"cdn", "resource", "id", "purge", "url"});
    CHECK(split_words("S3 bucket, v2!") == Words{"s3", "bucket", "v2"});
    CHECK(split_words("") == Words{});
}

TEST_CASE("plurals fold to the same stem as the singular", "[search]") {
    CHECK(stem("records") == stem("record"));
    CHECK(stem("policies") == stem("policy"));
    CHECK(stem("caches") == stem("cache"));
    CHECK(stem("addresses") == stem("address"));
    CHECK(stem("boxes") == stem("box"));
    CHECK(stem("zones") == stem("zone"));
    CHECK(stem("keys") == "key");
    CHECK(stem("status") == "status");  // -us is not a plural
    CHECK(stem("dns") == "dns");        // too short to fold
}

TEST_CASE("tokenize stems every word", "[search]") {
    CHECK(tokenize("List DNS Records") == Words{"list", "dns", "record"});
}

TEST_CASE("stop words are the filler of natural-language queries", "[search]") {
    CHECK(is_stop_word("the"));
    CHECK(is_stop_word("how"));
    CHECK_FALSE(is_stop_word("all"));
    CHECK_FALSE(is_stop_word("get"));
}

TEST_CASE("simple verb forms and agent nouns fold too", "[search]") {
    CHECK(stem("caching") == stem("cache"));
    CHECK(stem("cached") == stem("cache"));
    CHECK(stem("mapped") == stem("map"));
    CHECK(stem("starred") == stem("star"));
    CHECK(stem("applied") == stem("apply"));
    CHECK(stem("reviewers") == stem("review"));
    CHECK(stem("billing") == "bill");
    CHECK(stem("need") == "need");
    CHECK(stem("owner") == "owner");  // too short to be read as own + er
}
