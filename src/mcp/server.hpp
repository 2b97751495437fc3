#pragma once
// The Streamable HTTP endpoint's rules and MCP dispatch: IncomingHttp in, HttpReply out.
// No sockets here; the only awaiting is a tool call, so tests drive it with a bare io_context.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "mcp/http_exchange.hpp"
#include "mcp/session_ids.hpp"
#include "toolset/toolset.hpp"

namespace mamute::mcp {

class Server {
public:
    Server(std::shared_ptr<const toolset::Toolset> tools, std::shared_ptr<SessionIds> sessions,
           const config::HttpConfig& config);

    boost::asio::awaitable<HttpReply> handle(IncomingHttp request) const;

private:
    HttpReply handle_options(const IncomingHttp& request) const;
    HttpReply handle_delete(const IncomingHttp& request) const;
    boost::asio::awaitable<HttpReply> handle_post(const IncomingHttp& request) const;
    boost::asio::awaitable<boost::json::value> call_tool(const boost::json::value& id,
                                                         const boost::json::value& params,
                                                         const IncomingHttp& request) const;
    void add_cors_headers(const IncomingHttp& request, HttpReply& reply) const;

    std::shared_ptr<const toolset::Toolset> tools_;
    std::shared_ptr<SessionIds> sessions_;
    std::vector<std::string> allowed_origins_;
    std::vector<std::string> allowed_hosts_;
};

}  // namespace mamute::mcp
