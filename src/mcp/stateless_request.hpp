#pragma once
// Revision 2026-07-28 ("stateless"): every request carries its protocol version and client
// capabilities in params._meta, and the Mcp-Method / Mcp-Name headers repeat what the body says.
// These checks are pure; the HTTP front calls them before dispatching.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "jsonrpc/message.hpp"
#include "mcp/http_exchange.hpp"
#include "mcp/session_state.hpp"

namespace mamute::mcp {

inline constexpr std::string_view stateless_protocol_version = "2026-07-28";

namespace stateless_error {
inline constexpr int header_mismatch = -32020;
inline constexpr int missing_client_capability = -32021;
inline constexpr int unsupported_protocol_version = -32022;
}  // namespace stateless_error

// A message is served statelessly when its _meta names a protocol version, or when the header
// names a revision the session-based path does not speak. Everything else stays on that path.
bool is_stateless(const IncomingHttp& request, const boost::json::value& message);

struct StatelessRequest {
    jsonrpc::Request request;
    std::optional<LogLevel> log_level;  // io.modelcontextprotocol/logLevel: log messages only when asked
};

// The validated request, or the reply that refuses it (status and JSON-RPC error).
std::variant<StatelessRequest, HttpReply> validate_stateless(const IncomingHttp& request,
                                                             const jsonrpc::Request& call);

// Decodes the "=?base64?...?=" form a header value may take; other values are returned trimmed.
std::optional<std::string> decode_header_value(std::string_view value);

// Adds resultType (and caching hints for list results) and the server's identity to a result.
void decorate_stateless_result(const std::string& method, boost::json::object& response);

boost::json::object discover_result(const boost::json::object& capabilities, std::string_view instructions);

}  // namespace mamute::mcp
