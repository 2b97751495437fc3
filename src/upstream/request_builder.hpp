#pragma once
// Turns execute-request arguments into an upstream::Request, validated against the spec.
// Pure: no I/O, no clock, no globals; every refusal is an Error whose text an agent can act on.
#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "common/expected.hpp"
#include "upstream/http_types.hpp"

namespace mamute::upstream {

struct BuiltRequest {
    Request request;
    const catalog::Operation* operation = nullptr;  // points into the spec
    // Agent headers (names as given) not sent because a forwarded credential of the same name replaced them.
    std::vector<std::string> replaced_headers;
};

// Accepts both argument forms of execute-request:
//   structured: {method, path, pathParams?, query?, headers?, body?, contentType?}
//   ReadMe HAR: {harRequest: {method, url, headers[], queryString[], postData{mimeType, text}}}
// The request goes to base_url when set, else to a server of the spec; a HAR url whose origin is
// not one of those is refused, and so is a call that mixes harRequest with structured fields.
// `credentials` are added last and replace agent headers of the same name (listed in replaced_headers);
// without credentials, an agent's X-API-Key or Authorization header is sent as given.
// Refused too: headers over max_header_bytes_each or max_header_bytes_total, and a body for a GET, HEAD,
// DELETE or TRACE operation that declares no requestBody (TRACE never takes one). Messages quote agent
// values cut to 200 bytes.
Expected<BuiltRequest> build_request(const catalog::Spec& spec, const boost::json::object& args,
                                     const HeaderList& credentials, const std::optional<std::string>& base_url);

// "GET /cdn/resource/{id}" followed by one line per parameter and the request body, for error texts.
std::string describe_operation(const catalog::Operation& operation);

// The server URL with every {variable} replaced by its default.
std::string fill_server_defaults(const catalog::Server& server);

// Every URL a server can take with its variables set to their defaults or enum values (at most `limit`).
std::vector<std::string> expand_server_urls(const catalog::Server& server, std::size_t limit = 64);

}  // namespace mamute::upstream
