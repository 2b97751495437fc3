#include "search/vocabulary.hpp"

#include <algorithm>
#include <unordered_map>

#include "search/tokenizer.hpp"

namespace mamute::search {

namespace {

// Each line is one concept; a word may sit in several.
constexpr std::string_view kGroups[] = {
    // actions
    "delete remove revoke destroy erase drop discard tear teardown",
    "create add new generate make open register publish",
    "list all show fetch retrieve view browse",
    "update modify change edit set replace close reopen rename",
    "purge invalidate clear flush evict",
    "disable deactivate suspend off pause",
    "enable activate reactivate resume",
    "regenerate rotate renew reset reissue roll",
    "download export",
    "upload import",
    "check verify available availability taken exist",
    "trigger dispatch run start execute",
    "history log status progress finish done",
    "search find query lookup",
    "invite collaborate collaborator",
    "merge combine",
    "star favorite bookmark",
    "fork copy clone",
    // things
    "key credential token secret",
    "certificate cert tls ssl https",
    "mfa 2fa otp totp",
    "password passphrase",
    "member team people staff collaborator who",
    "organization org company team",
    "repository repo",
    "profile account me whoami email",
    "usage consumption bandwidth spend cost",
    "statistic stat metric analytic traffic",
    "country geographic geo region location",
    "invoice receipt",
    "billing bill payment card credit",
    "domain zone subdomain hostname",
    "site website",
    "comment reply note",
    "file object content image asset logo icon picture photo document",
    "pattern wildcard glob",
    "workflow action pipeline",
    "issue bug ticket",
    "size big large",
};

std::unordered_map<std::string, std::vector<std::string>> build() {
    std::unordered_map<std::string, std::vector<std::string>> related;
    for (auto group : kGroups) {
        auto stems = tokenize(group);
        for (const auto& a : stems)
            for (const auto& b : stems)
                if (a != b) related[a].push_back(b);
    }
    for (auto& [term, list] : related) {
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    return related;
}

}  // namespace

const std::vector<std::string>& related_stems(std::string_view term) {
    static const auto related = build();
    static const std::vector<std::string> none;
    auto it = related.find(std::string(term));
    return it == related.end() ? none : it->second;
}

}  // namespace mamute::search
