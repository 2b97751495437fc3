#pragma once
// When a failed request may be sent again: never when it might have reached the server and been acted on.
#include <string_view>

namespace mamute::upstream {

// RFC 9110 9.2.2: sending these twice has the effect of sending them once.
inline bool is_idempotent(std::string_view method) {
    for (std::string_view m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
        if (method == m) return true;
    return false;
}

// Once, for an idempotent method, when the request failed on a connection taken from the pool (which may
// have died while idle) before a single byte of it was written.
inline bool may_resend(std::string_view method, bool pooled_connection, bool nothing_sent, bool already_resent) {
    return pooled_connection && nothing_sent && !already_resent && is_idempotent(method);
}

}  // namespace mamute::upstream
