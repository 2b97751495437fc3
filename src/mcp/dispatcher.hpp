#pragma once
// MCP methods, independent of the transport: the HTTP front and the stdio front both call this.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "jsonrpc/message.hpp"
#include "mcp/event_sink.hpp"
#include "mcp/session_state.hpp"
#include "toolset/toolset.hpp"

namespace mamute::mcp {

// What one message knows about where it came from.
struct CallScope {
    std::string session;           // key into SessionState; one fixed key for stdio
    std::string protocol_version;  // negotiated for the session
    upstream::HeaderList credentials;
    std::string request_id;        // for log lines
    EventSink* sink = nullptr;     // null: the client cannot take messages before the response
    // Revision 2026-07-28: no session; the log level comes with each request, not from setLevel.
    bool stateless = false;
    std::optional<LogLevel> request_log_level;
};

class Dispatcher {
public:
    Dispatcher(std::shared_ptr<const toolset::Toolset> tools, std::shared_ptr<SessionState> state,
               config::McpConfig config);

    boost::json::object initialize_result(std::string_view protocol_version) const;
    boost::json::object capabilities() const;

    // The response (result or error) to a request other than initialize.
    boost::asio::awaitable<boost::json::object> handle_request(const jsonrpc::Request& request,
                                                               const CallScope& scope) const;
    void handle_notification(const jsonrpc::Notification& notification, const CallScope& scope) const;

    // Why a batch cannot be served under this revision (wrong revision, empty, too long), if it cannot.
    static std::optional<std::string> batch_refusal(const boost::json::array& batch, std::string_view protocol_version);
    // The responses to a batch's requests, in order (empty when it held only notifications).
    boost::asio::awaitable<boost::json::array> handle_batch(const boost::json::array& batch,
                                                            const CallScope& scope) const;

    SessionState& state() const { return *state_; }

    // The whole tools/list response, serialised, for the pages a client is given cursors to: the tool set
    // is fixed for a dispatcher's life, so each page is serialised once, when it is made. nullopt for
    // a bad cursor (handle_request answers that) and for offsets no cursor of ours names.
    std::optional<std::string> serialized_tools_list(const jsonrpc::Request& request) const;

private:
    std::size_t page_size() const { return std::max<std::size_t>(1, config_.tools_page_size); }
    // The offset a tools/list request's cursor names, 0 without one; nullopt when the cursor is not ours.
    std::optional<std::size_t> tools_list_offset(const jsonrpc::Request& request) const;
    boost::json::object tools_page(std::size_t offset) const;
    boost::json::object list_tools(const jsonrpc::Request& request) const;
    boost::json::object set_log_level(const jsonrpc::Request& request, const CallScope& scope) const;
    boost::asio::awaitable<boost::json::object> call_tool(const jsonrpc::Request& request,
                                                          const CallScope& scope) const;

    std::shared_ptr<const toolset::Toolset> tools_;
    std::shared_ptr<SessionState> state_;
    config::McpConfig config_;
    std::vector<std::string> serialized_pages_;  // tools_page(k * page_size()), serialised
};

}  // namespace mamute::mcp
