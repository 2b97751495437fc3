#pragma once
// Where a spec's calls may go, and how operations are described and suggested in error texts.
// Internal to the request builder; pure.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "common/expected.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

// An origin plus the percent-encoded path prefix every operation path is appended to ("" or "/v1").
struct Target {
    Origin origin;
    std::string prefix;  // no trailing '/'
};

// Parses an absolute http(s) URL (base_url or a server URL) into a Target; the query is ignored.
Expected<Target> parse_target(std::string_view url);

// Where a structured call goes: base_url when set, else the operation's first absolute server.
Expected<Target> operation_target(const catalog::Spec& spec, const catalog::Operation& operation,
                                  const std::optional<std::string>& base_url);

// Where a structured call goes when the agent names a server: {"url": <a server URL as the spec writes it>,
// "variables": {name: value}}, both optional. Variables in the scheme, host or port may only take their
// default or enum values (the key must not go to a host the spec does not name); variables in the path
// also take other values made of unreserved characters and '/'. base_url, when set, wins.
Expected<Target> chosen_server_target(const catalog::Spec& spec, const catalog::Operation& operation,
                                      const boost::json::value& server_arg, const std::optional<std::string>& base_url);

// Every target a HAR url may name: base_url and all root, path and operation servers with their
// variables set to defaults or enum values. Relative server URLs are skipped.
std::vector<Target> allowed_targets(const catalog::Spec& spec, const std::optional<std::string>& base_url);

// "The path exists with: GET, PUT" or "Close operations: ..." (may be empty).
std::string suggest_operations(const catalog::Spec& spec, std::string_view method, std::string_view path);

}  // namespace mamute::upstream
