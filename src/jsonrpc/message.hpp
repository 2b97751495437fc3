#pragma once
// JSON-RPC 2.0 framing: classify one decoded message and build replies. Pure, no I/O.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mamute::jsonrpc {

namespace error_code {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int session_not_found = -32001;  // the TypeScript SDK's convention
}  // namespace error_code

struct Request {
    boost::json::value id;  // string or number
    std::string method;
    boost::json::value params;  // object, array or null when absent
};

struct Notification {
    std::string method;
    boost::json::value params;
};

// A client's answer to a server request (or its error): accepted and acknowledged.
struct ClientResponse {
    boost::json::value id;
};

struct Invalid {
    boost::json::value id;  // the request's id when it could be read, else null
    std::string reason;
};

using Message = std::variant<Request, Notification, ClientResponse, Invalid>;

Message classify(const boost::json::value& message);

// The Invalid Request message for a text naming a member twice in one object, if it does: the parser keeps the
// last, while a person or an approval step reading the message may take the first
// ("name":"search-endpoints","name":"execute-request").
std::optional<std::string> duplicate_member_refusal(std::string_view text);

boost::json::object make_result(const boost::json::value& id, boost::json::value result);
boost::json::object make_error(const boost::json::value& id, int code, std::string message,
                               boost::json::value data = nullptr);

}  // namespace mamute::jsonrpc
