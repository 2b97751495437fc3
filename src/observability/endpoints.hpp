#pragma once
// GET /healthz, /readyz and /metrics: answered by the transport before the MCP rules (no Origin,
// Host or session checks), so probes and scrapers need nothing but the path. Pure: no sockets.
#include <optional>
#include <string_view>

#include "mcp/http_exchange.hpp"
#include "observability/metrics.hpp"

namespace mamute::observability {

struct ProbeState {
    const Metrics& metrics;
    bool accepting;  // the listener is open and not shutting down
};

// The reply for an observability path, or nullopt when the MCP server should answer. `target` may
// carry a query string (ignored).
std::optional<mcp::HttpReply> observability_reply(std::string_view method, std::string_view target,
                                                  const ProbeState& state);

// The admin listener serves only those paths: anything else is a 404.
mcp::HttpReply admin_not_found();

}  // namespace mamute::observability
