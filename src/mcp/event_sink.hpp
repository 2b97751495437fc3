#pragma once
// Where a request's server-to-client messages (progress, log messages) go while it runs.
// The HTTP transport upgrades the reply to an SSE stream on the first message; stdio writes a line.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

namespace mamute::mcp {

class EventSink {
public:
    virtual ~EventSink() = default;
    // False when the message could not be delivered (the client has gone).
    virtual boost::asio::awaitable<bool> send(const boost::json::object& message) = 0;
};

}  // namespace mamute::mcp
