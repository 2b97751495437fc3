#include "mcp/dispatcher.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "common/encoding.hpp"
#include "common/log.hpp"
#include "mcp/protocol_versions.hpp"
#include "mcp/stateless_request.hpp"

namespace mamute::mcp {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rpc = jsonrpc::error_code;

namespace {

constexpr std::string_view instructions =
    "Tools over the MamuteCloud API spec (and any other loaded OpenAPI spec). Typical flow: "
    "search-endpoints with a few words of the task, get-endpoint for the parameters and body of the best hit, "
    "then execute-request to make the live call with the caller's own API key. list-endpoints browses a "
    "spec by tag; get-server-variables shows base URLs.";

constexpr std::string_view cursor_prefix = "tools:";

// Cursors are opaque to clients: the offset, base64url-encoded so nobody is tempted to build one.
std::string encode_cursor(std::size_t offset) {
    return base64_encode(std::string(cursor_prefix) + std::to_string(offset), Base64Alphabet::url);
}

std::optional<std::size_t> decode_cursor(std::string_view cursor) {
    if (cursor.size() > 64) return std::nullopt;
    const auto plain = base64_decode(cursor, Base64Alphabet::url);
    if (!plain || !plain->starts_with(cursor_prefix) || plain->size() == cursor_prefix.size()) return std::nullopt;
    std::size_t offset = 0;
    for (char c : plain->substr(cursor_prefix.size())) {
        if (c < '0' || c > '9' || offset > 1'000'000) return std::nullopt;
        offset = offset * 10 + static_cast<std::size_t>(c - '0');
    }
    return offset;
}

// Built outside coroutines: GCC 12 miscompiles braced json initialisers inside coroutine bodies.
json::object notification(std::string_view method, json::object params) {
    return json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

json::object progress_notification(const json::value& token, std::uint64_t progress, std::string message) {
    return notification("notifications/progress",
                        json::object{{"progressToken", token}, {"progress", progress}, {"message", std::move(message)}});
}

json::object log_notification(LogLevel level, std::string_view tool, std::string_view event) {
    return notification("notifications/message",
                        json::object{{"level", log_level_name(level)},
                                     {"logger", "mamute-mcp"},
                                     {"data", json::object{{"tool", tool}, {"event", event}}}});
}

std::string_view cancel_message(SessionState::CancelReason reason) {
    switch (reason) {
    case SessionState::CancelReason::session_ended:
        return "cancelled: the session ended";
    case SessionState::CancelReason::shutdown:
        return "cancelled: the server is shutting down and the call ran past its shutdown timeout; retry it";
    case SessionState::CancelReason::client:
        break;
    }
    return "cancelled by the client";
}

// Keeps a client that asked for progress informed while a tool call runs; ends when cancelled.
asio::awaitable<void> report_progress(EventSink& sink, json::value token, std::string tool,
                                      std::chrono::milliseconds interval) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (std::uint64_t tick = 1;; ++tick) {
        timer.expires_after(interval);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        const auto elapsed_ms = static_cast<std::uint64_t>(interval.count()) * tick;
        co_await sink.send(
            progress_notification(token, tick, tool + " still running after " + std::to_string(elapsed_ms) + " ms"));
    }
}

}  // namespace

Dispatcher::Dispatcher(std::shared_ptr<const toolset::Toolset> tools, std::shared_ptr<SessionState> state,
                       config::McpConfig config)
    : tools_(std::move(tools)), state_(std::move(state)), config_(config) {
    for (std::size_t offset = 0; offset == 0 || offset < tools_->definitions().size(); offset += page_size())
        serialized_pages_.push_back(json::serialize(tools_page(offset)));
}

json::object Dispatcher::capabilities() const {
    return json::object{{"tools", json::object{{"listChanged", false}}}, {"logging", json::object{}}};
}

json::object Dispatcher::initialize_result(std::string_view protocol_version) const {
    return json::object{
        {"protocolVersion", protocol_version},
        {"capabilities", capabilities()},
        {"serverInfo", json::object{{"name", "mamute-mcp"}, {"title", "MamuteCloud MCP"}, {"version", MAMUTE_VERSION}}},
        {"instructions", instructions},
    };
}

asio::awaitable<json::object> Dispatcher::handle_request(const jsonrpc::Request& request,
                                                         const CallScope& scope) const {
    if (request.method == "tools/list") co_return list_tools(request);
    if (request.method == "tools/call") co_return co_await call_tool(request, scope);
    if (scope.stateless) {
        // 2026-07-28 removed ping and logging/setLevel; the front refuses other methods before us.
        if (request.method == "server/discover")
            co_return jsonrpc::make_result(request.id, discover_result(capabilities(), instructions));
        co_return jsonrpc::make_error(request.id, rpc::method_not_found, "Method not found: " + request.method);
    }
    if (request.method == "ping") co_return jsonrpc::make_result(request.id, json::object{});
    if (request.method == "logging/setLevel") co_return set_log_level(request, scope);
    if (request.method == "initialize")
        co_return jsonrpc::make_error(request.id, rpc::invalid_request, "Invalid Request: already initialized");
    co_return jsonrpc::make_error(request.id, rpc::method_not_found, "Method not found: " + request.method);
}

void Dispatcher::handle_notification(const jsonrpc::Notification& notification, const CallScope& scope) const {
    if (notification.method != "notifications/cancelled") return;  // initialized, roots changes: nothing to do
    const auto* params = notification.params.if_object();
    const auto* id = params ? params->if_contains("requestId") : nullptr;
    if (!id || !(id->is_string() || id->is_int64() || id->is_uint64())) return;
    if (state_->cancel_call(scope.session, json::serialize(*id)))
        log::get("mcp")->info("[{}] cancelling request {}", scope.request_id, json::serialize(*id));
}

std::optional<std::string> Dispatcher::batch_refusal(const json::array& batch, std::string_view protocol_version) {
    if (protocol_version != batch_protocol_version)
        return "Invalid Request: JSON-RPC batches are only accepted for protocol 2025-03-26; send one message at a time";
    if (batch.empty()) return "Invalid Request: empty batch";
    if (batch.size() > max_batch_messages)
        return "Invalid Request: at most " + std::to_string(max_batch_messages) + " messages per batch";
    return std::nullopt;
}

asio::awaitable<json::array> Dispatcher::handle_batch(const json::array& batch, const CallScope& scope) const {
    json::array responses;
    for (const auto& message : batch) {
        auto classified = jsonrpc::classify(message);
        if (auto* invalid = std::get_if<jsonrpc::Invalid>(&classified)) {
            responses.push_back(
                jsonrpc::make_error(invalid->id, rpc::invalid_request, "Invalid Request: " + invalid->reason));
        } else if (auto* notification = std::get_if<jsonrpc::Notification>(&classified)) {
            handle_notification(*notification, scope);
        } else if (auto* call = std::get_if<jsonrpc::Request>(&classified)) {
            if (call->method == "initialize")
                responses.push_back(jsonrpc::make_error(call->id, rpc::invalid_request,
                                                        "Invalid Request: initialize must not be part of a batch"));
            else
                responses.push_back(co_await handle_request(*call, scope));
        }
    }
    co_return responses;
}

std::optional<std::size_t> Dispatcher::tools_list_offset(const jsonrpc::Request& request) const {
    const auto* params = request.params.if_object();
    const auto* cursor = params ? params->if_contains("cursor") : nullptr;
    if (!cursor || cursor->is_null()) return 0;
    const auto decoded = cursor->is_string() ? decode_cursor(cursor->as_string()) : std::nullopt;
    if (!decoded || *decoded >= tools_->definitions().size()) return std::nullopt;
    return decoded;
}

json::object Dispatcher::tools_page(std::size_t offset) const {
    const auto& all = tools_->definitions();
    const auto end = std::min(all.size(), offset + page_size());
    // The page is a deep copy of ~17 KB of schemas: one arena for all its nodes instead of a malloc each
    // (the profile of a tools/list load was mostly malloc and free).
    auto arena = json::make_shared_resource<json::monotonic_resource>();
    json::array page(arena);
    page.reserve(end - offset);
    for (std::size_t i = offset; i < end; ++i) page.emplace_back(all[i]);
    json::object result(arena);
    result.emplace("tools", std::move(page));
    if (end < all.size()) result["nextCursor"] = encode_cursor(end);
    return result;
}

json::object Dispatcher::list_tools(const jsonrpc::Request& request) const {
    const auto offset = tools_list_offset(request);
    if (!offset)
        return jsonrpc::make_error(request.id, rpc::invalid_params,
                                   "Invalid params: unknown cursor (use the nextCursor of a tools/list result)");
    return jsonrpc::make_result(request.id, tools_page(*offset));
}

std::optional<std::string> Dispatcher::serialized_tools_list(const jsonrpc::Request& request) const {
    const auto offset = tools_list_offset(request);
    if (!offset || *offset % page_size() != 0) return std::nullopt;  // errors and odd offsets: list_tools
    const auto& page = serialized_pages_[*offset / page_size()];
    // The same bytes json::serialize(list_tools(request)) gives: make_result's members, in its order.
    std::string id = json::serialize(request.id);
    std::string out;
    out.reserve(page.size() + id.size() + 40);
    out.append(R"({"jsonrpc":"2.0","id":)").append(id).append(R"(,"result":)").append(page).push_back('}');
    return out;
}

json::object Dispatcher::set_log_level(const jsonrpc::Request& request, const CallScope& scope) const {
    const auto* params = request.params.if_object();
    const auto* level = params ? params->if_contains("level") : nullptr;
    const auto parsed = level && level->is_string() ? parse_log_level(level->as_string()) : std::nullopt;
    if (!parsed)
        return jsonrpc::make_error(request.id, rpc::invalid_params,
                                   "Invalid params: level must be one of debug, info, notice, warning, error, "
                                   "critical, alert, emergency");
    state_->set_log_level(scope.session, *parsed);
    return jsonrpc::make_result(request.id, json::object{});
}

asio::awaitable<json::object> Dispatcher::call_tool(const jsonrpc::Request& request, const CallScope& scope) const {
    const auto* params = request.params.if_object();
    const auto* name = params ? params->if_contains("name") : nullptr;
    if (!name || !name->is_string())
        co_return jsonrpc::make_error(request.id, rpc::invalid_params, "Invalid params: tools/call needs a \"name\" string");
    const std::string tool(name->as_string());
    if (!tools_->has(tool)) co_return jsonrpc::make_error(request.id, rpc::invalid_params, "Unknown tool: " + tool);

    static const json::object no_arguments;
    const json::object* arguments = &no_arguments;
    if (const auto* given = params->if_contains("arguments"); given && !given->is_null()) {
        if (!given->is_object())
            co_return jsonrpc::make_error(request.id, rpc::invalid_params, "Invalid params: \"arguments\" must be an object");
        arguments = &given->as_object();
    }
    json::value progress_token = nullptr;
    if (const auto* meta = params->if_contains("_meta"); meta && meta->is_object())
        if (const auto* token = meta->as_object().if_contains("progressToken");
            token && (token->is_string() || token->is_int64() || token->is_uint64()))
            progress_token = *token;

    toolset::CallContext context{scope.credentials, scope.request_id};
    EventSink* sink = scope.sink;
    const auto level = !sink ? std::nullopt : scope.stateless ? scope.request_log_level : state_->log_level(scope.session);
    auto log_to_client = [&](LogLevel at, std::string_view event) -> asio::awaitable<void> {
        if (level && at >= *level) co_await sink->send(log_notification(at, tool, event));
    };
    co_await log_to_client(LogLevel::info, "started");

    const bool report_progress_to_client = sink && !progress_token.is_null();
    if (report_progress_to_client) co_await sink->send(progress_notification(progress_token, 0, tool + " started"));

    // From here on nothing may be awaited before the call itself: an awaited write would take over
    // this coroutine's cancellation slot and drop the hand-over installed below.
    auto executor = co_await asio::this_coro::executor;
    auto in_flight = state_->start_call(scope.session, json::serialize(request.id), executor);
    // Cancelling this coroutine (the client hung up) cancels the call like notifications/cancelled does.
    struct SlotGuard {
        asio::cancellation_slot slot;
        ~SlotGuard() {
            if (slot.is_connected()) slot.clear();
        }
    } outer{(co_await asio::this_coro::cancellation_state).slot()};
    if (outer.slot.is_connected())
        outer.slot.assign([call = in_flight.get()](asio::cancellation_type type) {
            call->cancelled = true;
            call->signal.emit(type);
        });
    std::optional<toolset::ToolResult> result;
    try {
        if (report_progress_to_client) {
            using namespace asio::experimental::awaitable_operators;
            auto raced = co_await asio::co_spawn(
                executor,
                tools_->call(tool, *arguments, context) ||
                    report_progress(*sink, progress_token, tool, config_.progress_interval),
                asio::bind_cancellation_slot(in_flight->signal.slot(), asio::use_awaitable));
            if (raced.index() == 0) result = std::move(std::get<0>(raced));
        } else {
            result = co_await asio::co_spawn(executor, tools_->call(tool, *arguments, context),
                                             asio::bind_cancellation_slot(in_flight->signal.slot(),
                                                                          asio::use_awaitable));
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::operation_aborted) throw;
    }
    if (in_flight->cancelled || !result) {
        const auto why = cancel_message(in_flight->reason);
        log::get("mcp")->info("[{}] tools/call {} {}", scope.request_id, tool, why);
        co_return jsonrpc::make_result(request.id, toolset::error_result(std::string(why)).to_json());
    }
    log::get("mcp")->info("[{}] tools/call {} -> {}", scope.request_id, tool, result->is_error ? "error" : "ok");
    co_await log_to_client(result->is_error ? LogLevel::warning : LogLevel::info,
                           result->is_error ? "failed" : "finished");
    co_return jsonrpc::make_result(request.id, std::move(*result).to_json());
}

}  // namespace mamute::mcp
