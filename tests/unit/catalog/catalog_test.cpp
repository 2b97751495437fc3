// Several specs side by side: finding one by title, folders, duplicate titles and failing files reported.
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

TEST_CASE("duplicate titles name both files; the first is kept", "[catalog]") {
    auto report = load_catalog_report({fixture("catalog-mini-cloud.json"), fixture("catalog-duplicate-title.json")});
    REQUIRE(report.catalog.specs.size() == 1);
    CHECK(report.catalog.specs[0]->source == fixture("catalog-mini-cloud.json"));
    CHECK(report.catalog.specs[0]->version == "1.2.0");
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].file == fixture("catalog-duplicate-title.json"));
    CHECK(report.errors[0].message == fixture("catalog-duplicate-title.json") +
                                          ": /info/title: duplicate spec title \"Mini Cloud\", already loaded from " +
                                          fixture("catalog-mini-cloud.json") +
                                          "; titles identify specs, so they must be unique");
    // The all-or-nothing form refuses with the same message.
    auto strict = load_catalog({fixture("catalog-mini-cloud.json"), fixture("catalog-duplicate-title.json")});
    REQUIRE_FALSE(strict);
    CHECK(strict.error().message == report.errors[0].message);
}

TEST_CASE("a failing file is reported and the other specs keep serving", "[catalog]") {
    auto report = load_catalog_report({"/nonexistent.json", fixture("catalog-mini-cloud.json"), fixture("catalog-second.json")});
    REQUIRE(report.catalog.specs.size() == 2);
    CHECK(report.catalog.specs[0]->title == "Mini Cloud");
    CHECK(report.catalog.specs[1]->title == "Second API");
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].file == "/nonexistent.json");
    CHECK_THAT(report.errors[0].message, Catch::StartsWith("/nonexistent.json: cannot read: "));
    auto strict = load_catalog({fixture("catalog-mini-cloud.json"), "/nonexistent.json"});
    REQUIRE_FALSE(strict);
    CHECK_THAT(strict.error().message, Catch::StartsWith("/nonexistent.json: "));
}

TEST_CASE("a folder loads its .json, .yaml and .yml files in name order", "[catalog]") {
    std::string folder = fixture("catalog-folder");
    auto report = load_catalog_report({folder, fixture("catalog-second.json")});
    REQUIRE(report.catalog.specs.size() == 3);
    CHECK(report.catalog.specs[0]->title == "Gadgets");
    CHECK(report.catalog.specs[0]->source == folder + "/a-gadgets.yaml");
    CHECK(report.catalog.specs[1]->title == "Legacy");
    CHECK(report.catalog.specs[1]->openapi_version == "2.0");
    CHECK(report.catalog.specs[1]->servers[0].url == "https://legacy.example.com");
    CHECK(report.catalog.specs[2]->title == "Second API");
    REQUIRE(report.errors.size() == 2);
    CHECK(report.errors[0].file == folder + "/b-broken.yml");
    CHECK(report.errors[0].message == folder + "/b-broken.yml: /paths/~1x/get/parameters/0: parameter has no \"name\"");
    CHECK(report.errors[1].file == folder + "/d-same-title.yaml");
    CHECK_THAT(report.errors[1].message, Catch::Contains("duplicate spec title \"Gadgets\", already loaded from " + folder +
                                                         "/a-gadgets.yaml"));
}

TEST_CASE("a folder without spec files is an error of its own", "[catalog]") {
    std::string folder = std::string(MAMUTE_SOURCE_DIR) + "/tests/unit/catalog";
    auto report = load_catalog_report({folder});
    CHECK(report.catalog.specs.empty());
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].message == folder + ": the folder has no .json, .yaml or .yml files");
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
