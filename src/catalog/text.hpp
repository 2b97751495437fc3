#pragma once
// Small text helpers shared by the catalog sources.
#include <string>
#include <string_view>

namespace mamute::catalog {

std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
// %XX sequences decoded; malformed ones are kept as written.
std::string percent_decode(std::string_view text);

}  // namespace mamute::catalog
