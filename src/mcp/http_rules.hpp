#pragma once
// Header-level rules of the Streamable HTTP transport (Origin, Host, Accept, Content-Type). Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamute::mcp {

// "http://localhost:*" matches that scheme and host on any port (or none); other entries match exactly.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed_origins);

// Host header check against DNS rebinding. An empty allow-list allows every host.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed_hosts);

// The Accept header of a POST: absent, or naming JSON, SSE or a wildcard. Clients that list only
// application/json are served (they exist in the wild); we always answer JSON for now.
bool accept_acceptable(const std::optional<std::string>& accept);

bool content_type_is_json(const std::optional<std::string>& content_type);

bool is_loopback_address(std::string_view address);

}  // namespace mamute::mcp
