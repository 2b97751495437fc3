// The project's own MamuteCloud spec: loads, is complete, and natural searches find the right endpoint.
#include <catch2/catch.hpp>

#include <filesystem>

#include "catalog/catalog.hpp"
#include "search/ranker.hpp"

using namespace mamute;

namespace {

const std::string kSpecPath = std::string(MAMUTE_SOURCE_DIR) + "/spec/mamutecloud.openapi.json";

std::string top_operation_id(const catalog::Spec& spec, std::string_view pattern) {
    auto hits = spec.search_index->search(search::parse_query(pattern), 1);
    return hits.empty() ? "(none)" : spec.operations[hits[0].operation].operation_id;
}

}  // namespace

TEST_CASE("spec/mamutecloud.openapi.json loads with its 68 operations", "[catalog][mamutecloud]") {
    if (!std::filesystem::exists(kSpecPath)) {
        WARN("skipped: " << kSpecPath << " does not exist");
        return;
    }
    auto spec = catalog::load_spec_file(kSpecPath);
    REQUIRE(spec);
    CHECK(spec->title == "MamuteCloud API");
    CHECK(spec->operations.size() == 68);
    REQUIRE_FALSE(spec->servers.empty());
    CHECK(spec->servers[0].url == "https://api.mamutecloud.com");

    // The API-key recipe step: body schema resolved, "name" required.
    const auto* create_key = spec->find_operation("POST", "/security/apikey");
    REQUIRE(create_key != nullptr);
    const auto& schema = create_key->request_body.at_pointer("/content/application~1json/schema");
    CHECK(schema.at("required") == boost::json::array{"name"});
    CHECK(create_key->security.as_array().size() == 2);

    auto literal = spec->match_path("get", "/cdn/resource/check-distribution-name");
    REQUIRE(literal);
    CHECK(literal->operation->operation_id == "checkDistributionNameAvailability");
    auto concrete = spec->match_path("put", "/cdn/resource/42");
    REQUIRE(concrete);
    CHECK(concrete->operation->operation_id == "updateCdnResource");
    CHECK(concrete->path_params.at("id") == "42");
}

TEST_CASE("natural searches on the MamuteCloud spec find the right endpoint", "[search][mamutecloud]") {
    if (!std::filesystem::exists(kSpecPath)) {
        WARN("skipped: " << kSpecPath << " does not exist");
        return;
    }
    auto spec = catalog::load_spec_file(kSpecPath);
    REQUIRE(spec);
    CHECK(top_operation_id(*spec, "purge cache url") == "purgeCdnResourceCacheByUrl");
    CHECK(top_operation_id(*spec, "create api key") == "createApiKey");
    CHECK(top_operation_id(*spec, "s3 credentials for bucket") == "createBucketCredentials");
    CHECK(top_operation_id(*spec, "is the distribution name available") == "checkDistributionNameAvailability");
    CHECK(top_operation_id(*spec, "delete dns record") == "deleteDnsZoneRecord");
    CHECK(top_operation_id(*spec, "import ssl certificate") == "importSslCertificate");
    CHECK(top_operation_id(*spec, "list files in bucket") == "listBucketFiles");
    CHECK(top_operation_id(*spec, "rotate secret key") == "regenerateBucketCredentialSecret");
    CHECK(top_operation_id(*spec, "updateCdnResource") == "updateCdnResource");
}
