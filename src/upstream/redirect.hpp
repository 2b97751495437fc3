#pragma once
// Pure rules for following a redirect: where a Location leads, and what the next request looks like.
#include <optional>
#include <string>
#include <string_view>

#include "upstream/http_types.hpp"

namespace mamute::upstream {

// 301, 302, 303, 307 and 308: the statuses whose Location the client may follow.
bool is_followable_redirect(unsigned status);

// The origin-form target a Location leads to from `origin` + `target` (relative references resolved per
// RFC 3986), when it stays on the same origin (scheme, host and port). nullopt when the Location is not
// a valid URI reference, leaves the origin, or carries userinfo.
std::optional<std::string> same_origin_target(const Origin& origin, std::string_view target, std::string_view location);

// Rewrites `request` for the next hop to `new_target` (RFC 9110 15.4): 303 turns anything but GET/HEAD
// into GET, and so do 301/302 after a POST, dropping the body and its Content-* headers; 307 and 308
// keep method and body.
void apply_redirect(Request& request, unsigned status, std::string new_target);

}  // namespace mamute::upstream
