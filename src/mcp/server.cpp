#include "mcp/server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "jsonrpc/message.hpp"
#include "mcp/http_rules.hpp"
#include "mcp/protocol_versions.hpp"
#include "mcp/stateless_request.hpp"

namespace mamute::mcp {

namespace json = boost::json;
namespace rpc = jsonrpc::error_code;

namespace {

constexpr std::string_view endpoint_path = "/mcp";

HttpReply json_reply(unsigned status, const json::value& body) {
    HttpReply reply;
    reply.status = status;
    reply.body = json::serialize(body);
    return reply;
}

// A 200 whose JSON body is already serialised.
HttpReply serialized_reply(std::string body) {
    HttpReply reply;
    reply.body = std::move(body);
    return reply;
}

HttpReply rpc_error_reply(unsigned status, const json::value& id, int code, std::string message,
                          json::value data = nullptr) {
    return json_reply(status, jsonrpc::make_error(id, code, std::move(message), std::move(data)));
}

HttpReply empty_reply(unsigned status) {
    HttpReply reply;
    reply.status = status;
    reply.content_type.clear();
    return reply;
}

json::array supported_versions_json() {
    json::array versions;
    for (auto version : supported_protocol_versions) versions.emplace_back(version);
    return versions;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

bool accepts_event_stream(const IncomingHttp& request) {
    return request.accept && request.accept->find("text/event-stream") != std::string::npos;
}

// Protection refusals are not JSON-RPC method errors; -32000 is the range's server-defined start.
constexpr int refused_code = -32000;

// The tools/call requests in a batch: each is charged against the rate limit.
unsigned tools_calls_in(const json::array& batch) {
    unsigned calls = 0;
    for (const auto& message : batch) {
        const auto* object = message.if_object();
        if (!object || !object->contains("id")) continue;
        const auto* method = object->if_contains("method");
        calls += method && method->is_string() && method->as_string() == "tools/call";
    }
    return calls;
}

}  // namespace

Server::Server(std::shared_ptr<const Dispatcher> dispatcher, std::shared_ptr<SessionIds> sessions,
               const config::HttpConfig& config, ServerOptions options)
    : dispatcher_(std::move(dispatcher)),
      sessions_(std::move(sessions)),
      allowed_origins_(config.allowed_origins),
      auth_(config.auth_token),
      trust_forwarded_for_(config.trust_forwarded_for),
      idle_timeout_(config.session_idle_timeout),
      options_(std::move(options)),
      limiter_(std::make_unique<RateLimiter>(config.rate_limit_per_minute, config.rate_limit_burst)),
      address_limiter_(std::make_unique<RateLimiter>(config.rate_limit_per_minute * address_share,
                                                     config.rate_limit_burst * address_share)),
      activity_(std::make_unique<SessionActivity>(config.max_sessions, config.session_idle_timeout,
                                                  [this](const std::string& id) { end_idle_session(id); })) {
    allowed_hosts_ = config.allowed_hosts;
    if (allowed_hosts_.empty() && is_loopback_address(config.bind))
        allowed_hosts_ = {"localhost", "127.0.0.1", "[::1]"};
    if (!options_.now) options_.now = [] { return std::chrono::steady_clock::now(); };
}

void Server::end_idle_session(const std::string& id) const {
    sessions_->end(id, SessionIds::Clock::now());
    dispatcher()->state().cancel_session(id);
    log::get("mcp")->info("session ended after {} s unused", idle_timeout_.count());
}

CallScope Server::scope_for(const IncomingHttp& request, std::string session, std::string protocol_version,
                            EventSink* sink) const {
    CallScope scope;
    scope.session = std::move(session);
    scope.protocol_version = std::move(protocol_version);
    scope.request_id = request.request_id;
    scope.sink = sink;
    // Our own bearer token is never forwarded to an API.
    scope.credentials = auth_.forwardable(request.credentials);
    return scope;
}

std::optional<HttpReply> Server::check_auth(const IncomingHttp& request) const {
    if (!auth_.enabled()) return std::nullopt;
    const auto given = request.authorization ? std::optional<std::string_view>(*request.authorization)
                                             : find_header(request.credentials, "Authorization");
    if (auth_.accepts(given)) return std::nullopt;
    if (options_.events.auth_failure) options_.events.auth_failure();
    log::get("mcp")->warn("[{}] refused: {} bearer token", request.request_id, given ? "wrong" : "no");
    auto reply = rpc_error_reply(401, nullptr, refused_code,
                                 "Unauthorized: send the server's token as \"Authorization: Bearer <token>\"");
    // RFC 6750: no error code when no credentials came, invalid_token when they were wrong.
    reply.set_header("WWW-Authenticate",
                     given ? R"(Bearer realm="mamute-mcp", error="invalid_token")" : R"(Bearer realm="mamute-mcp")");
    return reply;
}

std::optional<HttpReply> Server::check_rate(const IncomingHttp& request, unsigned calls, const json::value& id) const {
    if (!limiter_->enabled() || calls == 0) return std::nullopt;
    const auto key = rate_limit_key(auth_.forwardable(request.credentials), request.remote_address,
                                    request.forwarded_for, trust_forwarded_for_);
    const auto address = rate_limit_key({}, request.remote_address, request.forwarded_for, trust_forwarded_for_);
    auto decision = key == address ? RateLimiter::Decision{} : address_limiter_->take(address, calls, options_.now());
    if (decision.allowed) decision = limiter_->take(key, calls, options_.now());
    if (decision.allowed) return std::nullopt;
    if (options_.events.rate_limited) options_.events.rate_limited();
    const auto wait = std::to_string(decision.retry_after.count());
    log::get("mcp")->warn("[{}] rate limited: {} tools/call, retry after {} s", request.request_id, calls, wait);
    std::string message =
        decision.over_burst
            ? "Rate limit exceeded: this batch holds " + std::to_string(calls) + " tools/call, more than the burst of " +
                  std::to_string(limiter_->burst()) + "; send fewer at once and retry after " + wait + " s"
            : "Rate limit exceeded: at most " + std::to_string(limiter_->per_minute()) +
                  " tools/call per minute (burst " + std::to_string(limiter_->burst()) + "); retry after " + wait + " s";
    auto reply = rpc_error_reply(429, id, refused_code, std::move(message),
                                 json::object{{"retryAfterSeconds", decision.retry_after.count()}});
    reply.set_header("Retry-After", wait);
    return reply;
}

std::vector<std::pair<std::string, std::string>> Server::cors_headers(const IncomingHttp& request) const {
    // Only reached for allowed origins: others were refused with 403 first.
    if (!request.origin) return {};
    return {{"Access-Control-Allow-Origin", *request.origin},
            {"Vary", "Origin"},
            {"Access-Control-Expose-Headers",
             "Mcp-Session-Id, Mcp-Protocol-Version, X-Request-Id, WWW-Authenticate, Retry-After"}};
}

std::shared_ptr<SessionState::InFlight> Server::register_stream(const std::string& session,
                                                                boost::asio::any_io_executor executor) const {
    static std::atomic<std::uint64_t> next_stream{0};
    return dispatcher()->state().start_call(session, "stream:" + std::to_string(next_stream++), std::move(executor));
}

boost::asio::awaitable<HttpReply> Server::handle(IncomingHttp request, EventSink* sink) const {
    // DNS rebinding and cross-site browsers are refused before anything else is looked at.
    if (request.host && !host_allowed(*request.host, allowed_hosts_))
        co_return rpc_error_reply(403, nullptr, rpc::invalid_request, "Forbidden: Host header not allowed");
    if (request.origin && !origin_allowed(*request.origin, allowed_origins_))
        co_return rpc_error_reply(403, nullptr, rpc::invalid_request, "Forbidden: Origin not allowed");

    // An empty Mcp-Session-Id names no session: answered like a missing one (400), not as an unknown one (404).
    if (request.session_id && request.session_id->empty()) request.session_id.reset();
    const auto path = path_of(request.target);
    HttpReply reply;
    if (path == "/healthz" && request.method == "GET") {
        // Open even with a token: load balancers probe without credentials.
        reply = json_reply(200, json::object{{"status", "ok"}});
    } else if (path != endpoint_path) {
        // Includes /.well-known/oauth-*: a JSON 404 tells clients there is no OAuth flow to start.
        // Not behind the token: it reveals nothing, and clients probe it without credentials.
        reply = json_reply(404, json::object{{"error", "not_found"}, {"message", "the MCP endpoint is POST /mcp"}});
    } else if (auto refused = request.method == "OPTIONS" ? std::optional<HttpReply>() : check_auth(request)) {
        // CORS preflights stay open: browsers send them without credentials.
        reply = std::move(*refused);
    } else if (request.method == "POST") {
        reply = co_await handle_post(request, accepts_event_stream(request) ? sink : nullptr);
    } else if ((request.method == "GET" || request.method == "DELETE") && !request.session_id &&
               request.protocol_version && !is_supported_protocol_version(*request.protocol_version)) {
        // Revision 2026-07-28 has neither a GET stream nor sessions to delete.
        reply = rpc_error_reply(405, nullptr, rpc::invalid_request, "Method not allowed: protocol " +
                                                                        *request.protocol_version + " uses POST only");
        reply.set_header("Allow", "POST, OPTIONS");
    } else if (request.method == "GET") {
        reply = handle_get(request);
    } else if (request.method == "DELETE") {
        reply = handle_delete(request);
    } else if (request.method == "OPTIONS") {
        reply = handle_options(request);
    } else {
        reply = rpc_error_reply(405, nullptr, rpc::invalid_request, "Method not allowed: use POST, GET or DELETE");
        reply.set_header("Allow", "GET, POST, DELETE, OPTIONS");
    }
    for (auto& [name, value] : cors_headers(request)) reply.set_header(std::move(name), std::move(value));
    co_return reply;
}

HttpReply Server::handle_options(const IncomingHttp&) const {
    auto reply = empty_reply(204);
    reply.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    reply.set_header("Access-Control-Allow-Headers",
                     "Content-Type, Accept, Authorization, X-API-Key, Mcp-Session-Id, Mcp-Protocol-Version, "
                     "Mcp-Method, Mcp-Name, Last-Event-ID, X-Request-Id");
    reply.set_header("Access-Control-Max-Age", "600");
    return reply;
}

std::optional<HttpReply> Server::check_protocol_version(const IncomingHttp& request, const json::value& id) {
    if (!request.protocol_version || is_supported_protocol_version(*request.protocol_version)) return std::nullopt;
    // Also what a 2026-07-28 probe (server/discover) gets: a 4xx JSON-RPC error, so the client
    // falls back to initialize with a revision we speak.
    return rpc_error_reply(
        400, id, rpc::invalid_request, "Bad Request: unsupported MCP-Protocol-Version " + *request.protocol_version,
        json::object{{"supported", supported_versions_json()}, {"requested", *request.protocol_version}});
}

std::optional<HttpReply> Server::check_session(const IncomingHttp& request, const json::value& id,
                                               SessionInfo& info) const {
    if (auto refused = check_protocol_version(request, id)) return refused;
    if (!request.session_id)
        return rpc_error_reply(400, id, rpc::invalid_request,
                               "Bad Request: Mcp-Session-Id header is required (send initialize first)");
    auto verified = sessions_->verify(*request.session_id, SessionIds::Clock::now());
    if (!verified)
        return rpc_error_reply(404, id, rpc::session_not_found,
                               "Session not found: it ended or expired; initialize a new one");
    switch (activity_->touch(*request.session_id, options_.now())) {
    case SessionActivity::Touch::seen:
    case SessionActivity::Touch::admitted:
        break;
    case SessionActivity::Touch::idle:
        end_idle_session(*request.session_id);
        return rpc_error_reply(404, id, rpc::session_not_found,
                               "Session not found: it ended after " + std::to_string(idle_timeout_.count()) +
                                   " s unused; initialize a new one");
    case SessionActivity::Touch::full:
        return rpc_error_reply(503, id, refused_code, "Server busy: too many sessions on this server; retry later");
    }
    info = std::move(*verified);
    return std::nullopt;
}

HttpReply Server::handle_get(const IncomingHttp& request) const {
    if (!accepts_event_stream(request))
        return rpc_error_reply(406, nullptr, rpc::invalid_request,
                               "Not Acceptable: GET /mcp opens an event stream; Accept must include text/event-stream");
    SessionInfo info;
    if (auto refused = check_session(request, nullptr, info)) return std::move(*refused);
    HttpReply reply;
    reply.open_stream_for_session = *request.session_id;
    return reply;
}

HttpReply Server::handle_delete(const IncomingHttp& request) const {
    if (auto refused = check_protocol_version(request, nullptr)) return std::move(*refused);
    if (!request.session_id)
        return rpc_error_reply(400, nullptr, rpc::invalid_request, "Bad Request: Mcp-Session-Id header is required");
    activity_->end(*request.session_id);
    if (!sessions_->end(*request.session_id, SessionIds::Clock::now()))
        return rpc_error_reply(404, nullptr, rpc::session_not_found, "Session not found");
    // Open GET streams and calls in flight of this session end with it.
    dispatcher()->state().cancel_session(*request.session_id);
    return empty_reply(200);
}

boost::asio::awaitable<HttpReply> Server::handle_post(const IncomingHttp& request, EventSink* sink) const {
    if (!accept_acceptable(request.accept))
        co_return rpc_error_reply(406, nullptr, rpc::invalid_request,
                                  "Not Acceptable: Accept must include application/json or text/event-stream");
    if (!content_type_is_json(request.content_type))
        co_return rpc_error_reply(415, nullptr, rpc::invalid_request,
                                  "Unsupported Media Type: Content-Type must be application/json");

    boost::system::error_code ec;
    const json::value message = json::parse(request.body, ec);
    if (ec) co_return rpc_error_reply(400, nullptr, rpc::parse_error, "Parse error: " + ec.message());
    if (auto refusal = jsonrpc::duplicate_member_refusal(request.body))
        co_return rpc_error_reply(400, nullptr, rpc::invalid_request, std::move(*refusal));
    if (is_stateless(request, message)) co_return co_await handle_stateless(request, message, sink);

    if (message.is_array()) {
        SessionInfo info;
        if (auto refused = check_session(request, nullptr, info)) co_return std::move(*refused);
        co_return co_await handle_batch(message.as_array(),
                                        scope_for(request, *request.session_id, info.protocol_version, nullptr),
                                        request);
    }

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
        auto session = sessions_->issue(version, SessionIds::Clock::now());
        if (session.empty())  // OpenSSL could not draw or sign one
            co_return rpc_error_reply(500, call->id, rpc::internal_error, "Internal error: cannot issue a session id");
        if (!activity_->start(session, options_.now())) {
            log::get("mcp")->warn("[{}] session refused: {} sessions open", request.request_id, activity_->size());
            co_return rpc_error_reply(503, call->id, refused_code,
                                      "Server busy: too many sessions on this server; retry later");
        }
        auto reply = json_reply(200, jsonrpc::make_result(call->id, dispatcher()->initialize_result(version)));
        reply.set_header("Mcp-Session-Id", std::move(session));
        log::get("mcp")->info("[{}] session started, protocol {}", request.request_id, version);
        co_return reply;
    }

    SessionInfo info;
    if (auto refused = check_session(request, call ? call->id : json::value(nullptr), info)) co_return std::move(*refused);
    const auto scope = scope_for(request, *request.session_id, info.protocol_version, sink);

    if (auto* notification = std::get_if<jsonrpc::Notification>(&classified)) {
        dispatcher()->handle_notification(*notification, scope);
        co_return empty_reply(202);
    }
    if (!call) co_return empty_reply(202);  // a client's response to us
    if (call->method == "tools/call")
        if (auto limited = check_rate(request, 1, call->id)) co_return std::move(*limited);
    // Named, not a temporary inside co_await (GCC 12 mishandles those), and held until the reply is made.
    const auto current = dispatcher();
    if (call->method == "tools/list") {
        auto serialized = current->serialized_tools_list(*call);
        if (serialized) co_return serialized_reply(std::move(*serialized));
    }
    co_return json_reply(200, co_await current->handle_request(*call, scope));
}

boost::asio::awaitable<HttpReply> Server::handle_stateless(const IncomingHttp& request, const json::value& message,
                                                          EventSink* sink) const {
    if (message.is_array())
        co_return rpc_error_reply(400, nullptr, rpc::invalid_request,
                                  "Invalid Request: protocol 2026-07-28 takes one message per POST, not a batch");
    auto classified = jsonrpc::classify(message);
    if (auto* invalid = std::get_if<jsonrpc::Invalid>(&classified))
        co_return rpc_error_reply(400, invalid->id, rpc::invalid_request, "Invalid Request: " + invalid->reason);
    if (std::holds_alternative<jsonrpc::ClientResponse>(classified))
        co_return rpc_error_reply(400, nullptr, rpc::invalid_request,
                                  "Invalid Request: clients send no responses under protocol 2026-07-28");
    // Each request stands alone: no session, nothing remembered between requests.
    CallScope scope = scope_for(request, "stateless:" + request.request_id, std::string(stateless_protocol_version), sink);
    scope.stateless = true;
    if (auto* notification = std::get_if<jsonrpc::Notification>(&classified)) {
        dispatcher()->handle_notification(*notification, scope);
        co_return empty_reply(202);
    }
    auto validated = validate_stateless(request, std::get<jsonrpc::Request>(classified));
    if (auto* refused = std::get_if<HttpReply>(&validated)) co_return std::move(*refused);
    auto& call = std::get<StatelessRequest>(validated);
    scope.request_log_level = call.log_level;
    if (call.request.method == "tools/call")
        if (auto limited = check_rate(request, 1, call.request.id)) co_return std::move(*limited);
    const auto current = dispatcher();  // named: see handle_post
    auto response = co_await current->handle_request(call.request, scope);
    decorate_stateless_result(call.request.method, response);
    co_return json_reply(200, response);
}

boost::asio::awaitable<HttpReply> Server::handle_batch(const json::array& batch, const CallScope& scope,
                                                      const IncomingHttp& request) const {
    if (auto refusal = Dispatcher::batch_refusal(batch, scope.protocol_version))
        co_return rpc_error_reply(400, nullptr, rpc::invalid_request, std::move(*refusal));
    // All of the batch's calls or none: a batch is answered as one.
    if (auto limited = check_rate(request, tools_calls_in(batch), nullptr)) co_return std::move(*limited);
    const auto current = dispatcher();  // named: see handle_post
    auto responses = co_await current->handle_batch(batch, scope);
    if (responses.empty()) co_return empty_reply(202);  // only notifications and responses
    co_return json_reply(200, responses);
}

}  // namespace mamute::mcp
