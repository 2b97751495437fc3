#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

#include "common/log.hpp"

int main(int argc, char* argv[]) {
    // Quiet by default; MAMUTE_TEST_LOG=debug shows what the code under test logs.
    const char* level = std::getenv("MAMUTE_TEST_LOG");
    mamute::log::set_level(level ? level : "warn");
    return Catch::Session().run(argc, argv);
}
