#pragma once
// General API vocabulary: words agents use for the same action or thing ("remove" for delete, "rotate"
// for regenerate, "2fa" for mfa). Small and explicit; nothing in it names one particular API.
#include <string>
#include <string_view>
#include <vector>

namespace mamute::search {

// Stems related to `term` (itself a stem), without `term`; empty when it is in no group.
const std::vector<std::string>& related_stems(std::string_view term);

}  // namespace mamute::search
