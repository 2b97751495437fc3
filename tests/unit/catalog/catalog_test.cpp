// Several specs side by side: finding one by title, refusing duplicate titles.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"
#include "catalog/text.hpp"

using namespace mamute::catalog;

namespace {

std::string fixture(const char* name) { return std::string(MAMUTE_SOURCE_DIR) + "/tests/fixtures/" + name; }

}  // namespace

TEST_CASE("find with one spec: an empty title picks it", "[catalog]") {
    auto catalog = load_catalog({fixture("catalog-mini-cloud.json")});
    REQUIRE(catalog);
    auto spec = catalog->find("");
    REQUIRE(spec);
    CHECK((*spec)->title == "Mini Cloud");
}

TEST_CASE("find with several specs: title required, unknown titles listed, case forgiven", "[catalog]") {
    auto catalog = load_catalog({fixture("catalog-mini-cloud.json"), fixture("catalog-second.json")});
    REQUIRE(catalog);
    REQUIRE(catalog->specs.size() == 2);
    auto none = catalog->find("");
    REQUIRE_FALSE(none);
    CHECK(none.error().message ==
          "several specs are loaded, so \"title\" is required; one of: \"Mini Cloud\", \"Second API\"");
    auto unknown = catalog->find("Third");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message == "unknown spec title \"Third\"; loaded specs: \"Mini Cloud\", \"Second API\"");
    auto second = catalog->find("second api");
    REQUIRE(second);
    CHECK((*second)->title == "Second API");
    CHECK((*second)->openapi_version == "3.1.0");
}

TEST_CASE("duplicate titles name both files", "[catalog]") {
    auto catalog = load_catalog({fixture("catalog-mini-cloud.json"), fixture("catalog-duplicate-title.json")});
    REQUIRE_FALSE(catalog);
    CHECK(catalog.error().message == "duplicate spec title \"Mini Cloud\" in " + fixture("catalog-mini-cloud.json") +
                                         " and " + fixture("catalog-duplicate-title.json") +
                                         "; titles identify specs, so they must be unique");
}

TEST_CASE("a failing file stops the catalog with that file's error", "[catalog]") {
    auto catalog = load_catalog({fixture("catalog-mini-cloud.json"), "/nonexistent.json"});
    REQUIRE_FALSE(catalog);
    CHECK_THAT(catalog.error().message, Catch::StartsWith("/nonexistent.json: "));
}

TEST_CASE("an empty catalog says so", "[catalog]") {
    Catalog empty;
    auto spec = empty.find("");
    REQUIRE_FALSE(spec);
    CHECK(spec.error().message == "no API specs are loaded");
}

TEST_CASE("shorten keeps short text and cuts long text at a character boundary", "[catalog]") {
    CHECK(shorten("GET /health") == "GET /health");
    CHECK(shorten(std::string(200, 'a')) == std::string(200, 'a'));
    CHECK(shorten(std::string(201, 'a')) == std::string(200, 'a') + "…(201 bytes)");
    CHECK(shorten("abcdef", 4) == "abcd…(6 bytes)");
    CHECK(shorten("aé€x", 4) == "aé…(7 bytes)");  // é is 2 bytes, € 3: never split one
}

TEST_CASE("an unknown title is quoted shortened, not echoed whole", "[catalog]") {
    auto catalog = load_catalog({fixture("catalog-mini-cloud.json"), fixture("catalog-second.json")});
    REQUIRE(catalog);
    auto unknown = catalog->find(std::string(900'000, 't'));
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().message == "unknown spec title \"" + std::string(200, 't') +
                                         "…(900000 bytes)\"; loaded specs: \"Mini Cloud\", \"Second API\"");
}
