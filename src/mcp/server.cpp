#include "mcp/server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "jsonrpc/message.hpp"
#include "mcp/http_rules.hpp"
#include "mcp/protocol_versions.hpp"

namespace mamute::mcp {

namespace json = boost::json;
namespace rpc = jsonrpc::error_code;

namespace {

constexpr std::string_view endpoint_path = "/mcp";

constexpr std::string_view instructions =
    "Tools over the MamuteCloud API spec (and any other loaded OpenAPI spec). Typical flow: "
    "search-endpoints with a few words of the task, get-endpoint for the parameters and body of the best hit, "
    "then execute-request to make the live call with the caller's own API key. list-endpoints browses a "
    "spec by tag; get-server-variables shows base URLs.";

HttpReply json_reply(unsigned status, const json::value& body) {
    HttpReply reply;
    reply.status = status;
    reply.body = json::serialize(body);
    return reply;
}

HttpReply rpc_error_reply(unsigned status, const json::value& id, int code, std::string message,
                          json::value data = nullptr) {
    return json_reply(status, jsonrpc::make_error(id, code, std::move(message), std::move(data)));
}

HttpReply accepted_reply() {
    HttpReply reply;
    reply.status = 202;
    reply.content_type.clear();
    return reply;
}

json::array supported_versions_json() {
    json::array versions;
    for (auto version : supported_protocol_versions) versions.emplace_back(version);
    return versions;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

json::object initialize_result(std::string_view version) {
    return json::object{
        {"protocolVersion", version},
        {"capabilities", json::object{{"tools", json::object{{"listChanged", false}}}}},
        {"serverInfo", json::object{{"name", "mamute-mcp"}, {"title", "MamuteCloud MCP"}, {"version", MAMUTE_VERSION}}},
        {"instructions", instructions},
    };
}

}  // namespace

Server::Server(std::shared_ptr<const toolset::Toolset> tools, std::shared_ptr<SessionIds> sessions,
               const config::HttpConfig& config)
    : tools_(std::move(tools)), sessions_(std::move(sessions)), allowed_origins_(config.allowed_origins) {
    allowed_hosts_ = config.allowed_hosts;
    if (allowed_hosts_.empty() && is_loopback_address(config.bind))
        allowed_hosts_ = {"localhost", "127.0.0.1", "[::1]"};
}

void Server::add_cors_headers(const IncomingHttp& request, HttpReply& reply) const {
    if (!request.origin) return;
    reply.set_header("Access-Control-Allow-Origin", *request.origin);
    reply.set_header("Vary", "Origin");
    reply.set_header("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, X-Request-Id");
}

boost::asio::awaitable<HttpReply> Server::handle(IncomingHttp request) const {
    // DNS rebinding and cross-site browsers are refused before anything else is looked at.
    if (request.host && !host_allowed(*request.host, allowed_hosts_))
        co_return rpc_error_reply(403, nullptr, rpc::invalid_request, "Forbidden: Host header not allowed");
    if (request.origin && !origin_allowed(*request.origin, allowed_origins_))
        co_return rpc_error_reply(403, nullptr, rpc::invalid_request, "Forbidden: Origin not allowed");

    const auto path = path_of(request.target);
    HttpReply reply;
    if (path == "/healthz" && request.method == "GET") {
        reply = json_reply(200, json::object{{"status", "ok"}});
    } else if (path != endpoint_path) {
        // Includes /.well-known/oauth-*: a JSON 404 tells clients there is no OAuth flow to start.
        reply = json_reply(404, json::object{{"error", "not_found"}, {"message", "the MCP endpoint is POST /mcp"}});
    } else if (request.method == "POST") {
        reply = co_await handle_post(request);
    } else if (request.method == "DELETE") {
        reply = handle_delete(request);
    } else if (request.method == "OPTIONS") {
        reply = handle_options(request);
    } else {
        // GET included: this server offers no server-to-client stream yet, and 405 is what clients expect.
        reply = rpc_error_reply(405, nullptr, rpc::invalid_request, "Method not allowed: use POST (or DELETE)");
        reply.set_header("Allow", "POST, DELETE, OPTIONS");
    }
    add_cors_headers(request, reply);
    co_return reply;
}

HttpReply Server::handle_options(const IncomingHttp& request) const {
    HttpReply reply;
    reply.status = 204;
    reply.content_type.clear();
    reply.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    reply.set_header("Access-Control-Allow-Headers",
                     "Content-Type, Accept, Authorization, X-API-Key, Mcp-Session-Id, Mcp-Protocol-Version, "
                     "Last-Event-ID, X-Request-Id");
    reply.set_header("Access-Control-Max-Age", "600");
    (void)request;
    return reply;
}

HttpReply Server::handle_delete(const IncomingHttp& request) const {
    if (!request.session_id)
        return rpc_error_reply(400, nullptr, rpc::invalid_request, "Bad Request: Mcp-Session-Id header is required");
    if (!sessions_->end(*request.session_id, SessionIds::Clock::now()))
        return rpc_error_reply(404, nullptr, rpc::session_not_found, "Session not found");
    HttpReply reply;
    reply.status = 200;
    reply.content_type.clear();
    return reply;
}

boost::asio::awaitable<HttpReply> Server::handle_post(const IncomingHttp& request) const {
    if (!accept_acceptable(request.accept))
        co_return rpc_error_reply(406, nullptr, rpc::invalid_request,
                                  "Not Acceptable: Accept must include application/json or text/event-stream");
    if (!content_type_is_json(request.content_type))
        co_return rpc_error_reply(415, nullptr, rpc::invalid_request,
                                  "Unsupported Media Type: Content-Type must be application/json");

    boost::system::error_code ec;
    const json::value message = json::parse(request.body, ec);
    if (ec) co_return rpc_error_reply(400, nullptr, rpc::parse_error, "Parse error: " + ec.message());
    if (message.is_array())
        co_return rpc_error_reply(400, nullptr, rpc::invalid_request,
                                  "Invalid Request: JSON-RPC batches are not supported; send one message per POST");

    auto classified = jsonrpc::classify(message);
    if (auto* invalid = std::get_if<jsonrpc::Invalid>(&classified))
        co_return rpc_error_reply(400, invalid->id, rpc::invalid_request, "Invalid Request: " + invalid->reason);

    const auto* call = std::get_if<jsonrpc::Request>(&classified);
    if (call && call->method == "initialize") {
        // Negotiation happens in params, so a version header on initialize is not judged here.
        const auto* params = call->params.if_object();
        const auto* requested = params ? params->if_contains("protocolVersion") : nullptr;
        if (!requested || !requested->is_string())
            co_return json_reply(200, jsonrpc::make_error(call->id, rpc::invalid_params,
                                                          "Invalid params: initialize needs \"protocolVersion\""));
        const auto version = negotiate_protocol_version(requested->as_string());
        auto reply = json_reply(200, jsonrpc::make_result(call->id, initialize_result(version)));
        reply.set_header("Mcp-Session-Id", sessions_->issue(version, SessionIds::Clock::now()));
        log::get("mcp")->info("[{}] session started, protocol {}", request.request_id, version);
        co_return reply;
    }

    if (request.protocol_version && !is_supported_protocol_version(*request.protocol_version)) {
        // Also what a 2026-07-28 probe (server/discover) gets: a 4xx JSON-RPC error, so the client
        // falls back to initialize with a revision we speak.
        co_return rpc_error_reply(
            400, call ? call->id : json::value(nullptr), rpc::invalid_request,
            "Bad Request: unsupported MCP-Protocol-Version " + *request.protocol_version,
            json::object{{"supported", supported_versions_json()}, {"requested", *request.protocol_version}});
    }
    if (!request.session_id)
        co_return rpc_error_reply(400, call ? call->id : json::value(nullptr), rpc::invalid_request,
                                  "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    if (!sessions_->verify(*request.session_id, SessionIds::Clock::now()))
        co_return rpc_error_reply(404, call ? call->id : json::value(nullptr), rpc::session_not_found,
                                  "Session not found: it ended or expired; initialize a new one");

    if (!call) co_return accepted_reply();  // notifications and client responses

    if (call->method == "ping") co_return json_reply(200, jsonrpc::make_result(call->id, json::object{}));
    if (call->method == "tools/list") {
        const auto* params = call->params.if_object();
        if (params && params->contains("cursor"))
            co_return json_reply(200, jsonrpc::make_error(call->id, rpc::invalid_params,
                                                          "Invalid params: unknown cursor (the tool list has one page)"));
        co_return json_reply(200, jsonrpc::make_result(call->id, json::object{{"tools", tools_->definitions()}}));
    }
    if (call->method == "tools/call") co_return json_reply(200, co_await call_tool(call->id, call->params, request));
    co_return json_reply(200, jsonrpc::make_error(call->id, rpc::method_not_found, "Method not found: " + call->method));
}

boost::asio::awaitable<json::value> Server::call_tool(const json::value& id, const json::value& params,
                                                      const IncomingHttp& request) const {
    const auto* object = params.if_object();
    const auto* name = object ? object->if_contains("name") : nullptr;
    if (!name || !name->is_string())
        co_return jsonrpc::make_error(id, rpc::invalid_params, "Invalid params: tools/call needs a \"name\" string");
    const std::string tool(name->as_string());
    if (!tools_->has(tool))
        co_return jsonrpc::make_error(id, rpc::invalid_params, "Unknown tool: " + tool);

    static const json::object no_arguments;
    const json::object* arguments = &no_arguments;
    if (const auto* given = object->if_contains("arguments"); given && !given->is_null()) {
        if (!given->is_object())
            co_return jsonrpc::make_error(id, rpc::invalid_params, "Invalid params: \"arguments\" must be an object");
        arguments = &given->as_object();
    }

    toolset::CallContext context;
    context.request_id = request.request_id;
    if (request.api_key) context.credentials.emplace_back("X-API-Key", *request.api_key);
    if (request.authorization) context.credentials.emplace_back("Authorization", *request.authorization);

    auto result = co_await tools_->call(tool, *arguments, context);
    log::get("mcp")->info("[{}] tools/call {} -> {}", request.request_id, tool, result.is_error ? "error" : "ok");
    co_return jsonrpc::make_result(id, result.to_json());
}

}  // namespace mamute::mcp
