// Several specs side by side: finding one by title, refusing duplicate titles.
#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"

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
