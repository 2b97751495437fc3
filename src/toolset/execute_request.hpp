#pragma once
// execute-request: validates the call against the spec, builds the request and makes the live call.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "config/config.hpp"
#include "observability/metrics.hpp"
#include "toolset/tool_result.hpp"
#include "upstream/client.hpp"

namespace mamute::toolset {

boost::json::object execute_request_definition();

boost::asio::awaitable<ToolResult> execute_request(const catalog::Catalog& catalog, const upstream::Client& client,
                                                   const config::UpstreamConfig& config,
                                                   const boost::json::object& args, const CallContext& context,
                                                   observability::Metrics* metrics = nullptr);

// The pure halves of execute_request, exposed for tests.
// {request, status, statusText, headers (a safe subset, lower-case), body}: body is parsed JSON for JSON
// content types, else UTF-8 text, else {base64, bytes}; cut at max_body_bytes with a "truncated" note.
// structuredContent is that object and the text item its serialisation, also when status >= 400 (isError).
// Every forwarded credential value becomes [redacted]. `notes` (and, on a 401/403 without credentials, a hint
// to add some) are joined into "note".
ToolResult render_response(const upstream::Request& request, const upstream::Response& response,
                           std::size_t max_body_bytes, const upstream::HeaderList& credentials,
                           const std::vector<std::string>& notes = {});
// isError, text only: {request, error, kind, note?}.
ToolResult render_failure(const upstream::Request& request, const upstream::Failure& failure,
                          const upstream::HeaderList& credentials, const std::vector<std::string>& notes = {});
// Replaces each credential value (and the token of "Bearer <token>") with [redacted].
std::string redact(std::string text, const upstream::HeaderList& credentials);
// redact() applied to every string (and object key) inside a JSON value; a number whose digits contain a
// credential becomes the redacted string.
void redact_json(boost::json::value& value, const upstream::HeaderList& credentials);

}  // namespace mamute::toolset
