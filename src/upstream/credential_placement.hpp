#pragma once
// Which of the MCP connection's credentials an operation gets, and where they go. The operation's
// security requirements decide: an apiKey scheme takes the key in its header, query parameter or
// cookie; http, oauth2 and openIdConnect schemes take the Authorization header. An operation that
// declares `security: []` gets none, so a public endpoint of another vendor's spec never sees the
// caller's key. Only a spec that declares no security at all gets every credential as a header.
// Pure.
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

struct CredentialPlacement {
    HeaderList headers;
    std::vector<std::pair<std::string, std::string>> query;    // decoded name, value
    std::vector<std::pair<std::string, std::string>> cookies;  // name, value
    bool declared_none = false;  // the operation says security: []

    bool empty() const { return headers.empty() && query.empty() && cookies.empty(); }
};

CredentialPlacement place_credentials(const catalog::Spec& spec, const catalog::Operation& operation,
                                      const HeaderList& credentials);

}  // namespace mamute::upstream
