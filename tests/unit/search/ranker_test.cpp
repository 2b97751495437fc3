// Ranking on the small fixture: the endpoint a person means comes first.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"
#include "search/ranker.hpp"
#include "search/vocabulary.hpp"

using namespace mamute;
using search::Field;

namespace {

const catalog::Spec& spec() {
    static const catalog::Spec loaded = [] {
        auto s = catalog::load_spec_file(std::string(MAMUTE_SOURCE_DIR) + "/tests/fixtures/catalog-mini-cloud.json");
        if (!s) FAIL(s.error().message);
        return std::move(s).value();
    }();
    return loaded;
}

std::vector<search::Hit> run(std::string_view pattern, std::size_t limit = 10) {
    return spec().search_index->search(search::parse_query(pattern), limit);
}

std::string top(std::string_view pattern) {
    auto hits = run(pattern, 1);
    if (hits.empty()) return "(none)";
    const auto& op = spec().operations[hits[0].operation];
    return op.method + " " + op.path;
}

}  // namespace

TEST_CASE("parse_query drops filler words, stems and dedupes", "[search]") {
    auto query = search::parse_query("  How do I purge the caches for a cache URL? ");
    CHECK(query.text == "How do I purge the caches for a cache URL?");
    CHECK(query.terms == std::vector<std::string>{"purg", "cach", "url"});
    CHECK(search::parse_query("how to").terms == std::vector<std::string>{"how", "to"});
    CHECK(search::parse_query("   ").terms.empty());
}

TEST_CASE("\"purge cache url\" ranks POST /cdn/resource/{id}/purge/url first", "[search]") {
    auto hits = run("purge cache url");
    REQUIRE(hits.size() >= 3);
    CHECK(spec().operations[hits[0].operation].operation_id == "purgeByUrl");
    CHECK(hits[0].all_terms);
    CHECK(hits[0].matched == std::vector<Field>{Field::path, Field::operation_id, Field::summary, Field::description});
    // The other purges follow; they match every word too, but "url" only in their descriptions.
    CHECK(spec().operations[hits[1].operation].operation_id == "purgeByPattern");
    CHECK(hits[0].score > hits[1].score);
}

TEST_CASE("natural queries find the endpoint a person means", "[search]") {
    CHECK(top("how do I purge all the cache") == "post /cdn/resource/{id}/purge/all");
    CHECK(top("check distribution name") == "get /cdn/resource/check-distribution-name");
    CHECK(top("create a cdn resource") == "post /cdn/resource");
    CHECK(top("delete resource") == "delete /cdn/resource/{id}");
    CHECK(top("upload object") == "put /storage/buckets/{bucketId}/objects/{key}");
    CHECK(top("list buckets") == "get /storage/buckets");
    CHECK(top("folder tree") == "get /tree");
    CHECK(top("health") == "get /health");
}

TEST_CASE("an exact operationId or path ranks first", "[search]") {
    auto by_id = run("purgeAll");
    REQUIRE_FALSE(by_id.empty());
    CHECK(by_id[0].exact);
    CHECK(spec().operations[by_id[0].operation].operation_id == "purgeAll");
    CHECK(top("/storage/buckets") == "get /storage/buckets");
    CHECK(top("PUT /cdn/resource/{id}") == "put /cdn/resource/{id}");
    auto by_path = run("/cdn/resource/{id}");
    REQUIRE(by_path.size() >= 3);
    CHECK((by_path[0].exact && by_path[1].exact && by_path[2].exact));
}

TEST_CASE("a hit on every known word beats a stronger partial hit", "[search]") {
    // "download" is in two summaries; only one of them also says "report".
    auto hits = run("download report");
    REQUIRE(hits.size() >= 2);
    CHECK(spec().operations[hits[0].operation].operation_id == "downloadReport");
    CHECK(hits[0].all_terms);
    CHECK_FALSE(hits[1].all_terms);
    // A word no endpoint contains does not hold the others back.
    auto typo = run("download report xyzzy");
    REQUIRE_FALSE(typo.empty());
    CHECK(typo[0].all_terms);
}

TEST_CASE("prefixes find longer words; nothing found gives no hits", "[search]") {
    CHECK(top("distrib") == "get /cdn/resource/check-distribution-name");
    CHECK(run("qwertyuiop").empty());
    CHECK(run("purge", 2).size() == 2);
}

TEST_CASE("general API synonyms: the word an agent uses finds the word a spec uses", "[search]") {
    CHECK(top("remove a cdn resource") == "delete /cdn/resource/{id}");
    CHECK(top("invalidate every cached url") == "post /cdn/resource/{id}/purge/url");
    auto hits = run("remove resource");
    REQUIRE_FALSE(hits.empty());
    CHECK(hits[0].terms == std::vector<std::string>{"remove", "resource"});
    CHECK(search::parse_query("rotate").related[0] == search::related_stems("rotat"));
    CHECK_FALSE(search::related_stems("delet").empty());
    CHECK(search::related_stems("zzz").empty());
}
