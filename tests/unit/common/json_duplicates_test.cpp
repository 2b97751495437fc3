#include <catch2/catch.hpp>

#include "common/json_duplicates.hpp"

using mamute::first_duplicate_key;

TEST_CASE("json duplicates: the first name set twice in one object, at any depth") {
    CHECK_FALSE(first_duplicate_key(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})"));  // same name, other objects
    CHECK(first_duplicate_key(R"({"a":1,"a":2})") == "a");
    CHECK(first_duplicate_key(R"({"x":{"deep":[{"k":1,"k":2}]},"y":1,"y":2})") == "k");
    CHECK(first_duplicate_key(R"({"n\u0061me":1,"name":2})") == "name");  // the same name, escaped
    CHECK(first_duplicate_key("{\"" + std::string(5000, 'k') + "\":1,\"" + std::string(5000, 'k') + "\":2}") ==
          std::string(5000, 'k'));  // names long enough to arrive in parts
    CHECK_FALSE(first_duplicate_key("[1,2,3]"));
    CHECK_FALSE(first_duplicate_key("{not json"));
    CHECK_FALSE(first_duplicate_key(""));
}
