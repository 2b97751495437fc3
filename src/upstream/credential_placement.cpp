#include "upstream/credential_placement.hpp"

#include <algorithm>

#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

namespace json = boost::json;

namespace {

const std::string* find_credential(const HeaderList& credentials, std::string_view name) {
    for (const auto& [key, value] : credentials)
        if (iequals(key, name)) return &value;
    return nullptr;
}

// The caller's API key: a credential named like the scheme's header, else the first one that is not
// Authorization (X-API-Key by default).
const std::string* api_key_for(const HeaderList& credentials, std::string_view scheme_name) {
    if (const auto* same = find_credential(credentials, scheme_name)) return same;
    for (const auto& [key, value] : credentials)
        if (!iequals(key, "authorization")) return &value;
    return nullptr;
}

template <class List>
void add_once(List& list, std::string name, std::string value) {
    const bool present = std::any_of(list.begin(), list.end(), [&](const auto& item) { return iequals(item.first, name); });
    if (!present) list.emplace_back(std::move(name), std::move(value));
}

std::string text_at(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace

CredentialPlacement place_credentials(const catalog::Spec& spec, const catalog::Operation& operation,
                                      const HeaderList& credentials) {
    CredentialPlacement out;
    const auto* requirements = operation.security.if_array();
    if (!requirements) {  // the spec does not say: every credential, as given
        out.headers = credentials;
        return out;
    }
    if (requirements->empty()) {
        out.declared_none = true;
        return out;
    }
    // Alternatives are ORed, schemes within one ANDed: every scheme named anywhere gets what it takes.
    for (const auto& requirement : *requirements) {
        const auto* schemes = requirement.if_object();
        if (!schemes) continue;
        for (const auto& [name, scopes] : *schemes) {
            const auto* found = spec.security_schemes.if_contains(name);
            const auto* scheme = found ? found->if_object() : nullptr;
            if (!scheme) continue;
            const auto type = text_at(*scheme, "type");
            if (type == "apiKey") {
                const auto in = text_at(*scheme, "in"), key_name = text_at(*scheme, "name");
                const auto* key = key_name.empty() ? nullptr : api_key_for(credentials, key_name);
                if (!key) continue;
                if (in == "header")
                    add_once(out.headers, key_name, *key);
                else if (in == "query")
                    add_once(out.query, key_name, *key);
                else if (in == "cookie")
                    add_once(out.cookies, key_name, *key);
            } else if (type == "http" || type == "oauth2" || type == "openIdConnect") {
                if (const auto* authorization = find_credential(credentials, "authorization"))
                    add_once(out.headers, "Authorization", *authorization);
            }
        }
    }
    return out;
}

}  // namespace mamute::upstream
