#include "transport/stdio_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <vector>

#include "common/log.hpp"
#include "jsonrpc/message.hpp"
#include "mcp/protocol_versions.hpp"

namespace mamute::transport {

namespace asio = boost::asio;
namespace json = boost::json;
namespace rpc = jsonrpc::error_code;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk_bytes = 64 * 1024;

// Replies are built here, outside coroutines: GCC 12 miscompiles braced json initialisers inside
// coroutine bodies.
json::object error_reply(const json::value& id, int code, std::string message) {
    return jsonrpc::make_error(id, code, std::move(message));
}

json::object initialize_reply(const json::value& id, json::object result) {
    return jsonrpc::make_result(id, std::move(result));
}

std::shared_ptr<spdlog::logger> logger() { return log::get("stdio"); }

}  // namespace

upstream::HeaderList stdio_credentials(const config::StdioConfig& config) {
    upstream::HeaderList headers;
    if (config.api_key) headers.emplace_back("X-API-Key", *config.api_key);
    if (config.bearer_token) {
        const auto& token = *config.bearer_token;
        const bool has_scheme = token.size() > 7 && (token.compare(0, 7, "Bearer ") == 0 || token.compare(0, 7, "bearer ") == 0);
        headers.emplace_back("Authorization", has_scheme ? token : "Bearer " + token);
    }
    return headers;
}

// Progress and log notifications of one request: each becomes a line, queued like the response.
class StdioServer::Sink final : public mcp::EventSink {
public:
    explicit Sink(StdioServer& server) : server_(server) {}
    asio::awaitable<bool> send(const json::object& message) override { co_return co_await server_.send(message); }

private:
    StdioServer& server_;
};

StdioServer::StdioServer(asio::any_io_executor executor, int input_fd, int output_fd,
                         std::shared_ptr<const mcp::Dispatcher> dispatcher, StdioSettings settings)
    : strand_(asio::make_strand(executor)),
      input_(strand_, input_fd),
      output_(strand_, output_fd),
      dispatcher_(std::move(dispatcher)),
      settings_(std::move(settings)),
      lines_(strand_, std::max<std::size_t>(1, settings_.max_queued_lines)),
      idle_(strand_),
      deadline_(strand_) {}

asio::awaitable<void> StdioServer::run() {
    auto self = shared_from_this();
    co_await asio::co_spawn(strand_, serve(), asio::use_awaitable);
}

void StdioServer::stop() {
    asio::post(strand_, [self = shared_from_this()] {
        self->stopping_ = true;
        boost::system::error_code ignored;
        self->input_.cancel(ignored);
    });
}

asio::awaitable<void> StdioServer::serve() {
    using namespace asio::experimental::awaitable_operators;
    co_await (write_lines() && read_then_drain());
    deadline_.cancel();
}

asio::awaitable<void> StdioServer::read_then_drain() {
    co_await read_lines();
    draining_ = true;
    // Everything after end of input is bounded by one deadline: requests still running, then the flush.
    deadline_.expires_after(settings_.drain_timeout);
    deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->deadline_passed();
    });
    if (in_flight_ > 0 && output_closed_) {
        // The client is gone: nobody will read the answers, so do not wait for them.
        dispatcher_->state().cancel_session(std::string(session_key));
    }
    if (in_flight_ > 0) {
        logger()->debug("input ended; waiting for {} request(s) in flight", in_flight_);
        idle_.expires_at(asio::steady_timer::time_point::max());
        co_await idle_.async_wait(use_nothrow);  // cancelled by finished() at zero, or at the deadline
    }
    // The end marker: the writer stops once every line queued before it is written. Fails when
    // the output is already closed (the client went away, or the deadline passed).
    if (!output_closed_) co_await lines_.async_send(boost::system::error_code{}, std::string(), use_nothrow);
}

void StdioServer::deadline_passed() {
    if (in_flight_ > 0) {
        logger()->warn("{} request(s) still running {} ms after the end of input: cancelling them", in_flight_,
                       settings_.drain_timeout.count());
        dispatcher_->state().cancel_session(std::string(session_key));
    }
    idle_.cancel();
    close_output();
    boost::system::error_code ignored;
    output_.cancel(ignored);  // a write the client is not reading
}

void StdioServer::close_output() {
    if (output_closed_) return;
    output_closed_ = true;
    // Order matters: cancel() fails the senders waiting for room, close() refuses new ones.
    lines_.cancel();
    lines_.close();
}

asio::awaitable<void> StdioServer::read_lines() {
    std::vector<char> chunk(read_chunk_bytes);
    std::string pending;          // bytes of the line(s) not yet handled
    std::size_t scanned = 0;      // pending[0, scanned) holds no newline
    bool discarding = false;      // inside an over-long line: drop bytes up to the next newline
    const std::size_t max = settings_.max_line_bytes;
    for (;;) {
        std::size_t start = 0;
        for (auto newline = pending.find('\n', scanned); newline != std::string::npos;
             newline = pending.find('\n', start)) {
            const std::string_view line(pending.data() + start, newline - start);
            start = newline + 1;
            if (discarding) {
                discarding = false;  // the tail of a line already refused
            } else if (line.size() > max) {
                co_await refuse_long_line();
            } else {
                co_await handle_line(line);
            }
        }
        pending.erase(0, start);
        scanned = pending.size();
        if (!discarding && pending.size() > max) {
            // Refused as soon as it is known to be too long; the rest is read and dropped unbuffered.
            co_await refuse_long_line();
            discarding = true;
        }
        if (discarding) {
            pending.clear();
            scanned = 0;
        }

        if (stopping_) co_return;
        auto [ec, n] = co_await input_.async_read_some(asio::buffer(chunk), use_nothrow);
        if (ec) {
            if (ec == asio::error::eof) {
                // A last line without its newline is still a message.
                if (!discarding && !pending.empty()) co_await handle_line(pending);
                logger()->debug("end of input");
            } else if (ec != asio::error::operation_aborted) {
                logger()->warn("reading input failed: {}", ec.message());
            }
            co_return;
        }
        pending.append(chunk.data(), n);
    }
}

asio::awaitable<void> StdioServer::refuse_long_line() {
    logger()->warn("refused a message longer than {} bytes", settings_.max_line_bytes);
    co_await send(error_reply(nullptr, rpc::invalid_request,
                              "Invalid Request: message longer than " + std::to_string(settings_.max_line_bytes) +
                                  " bytes; it was discarded"));
}

asio::awaitable<void> StdioServer::handle_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF-speaking clients
    if (line.find_first_not_of(" \t") == std::string_view::npos) co_return;
    boost::system::error_code ec;
    json::value message = json::parse(line, ec);
    if (ec) {
        co_await send(error_reply(nullptr, rpc::parse_error, "Parse error: " + ec.message()));
        co_return;
    }
    // As over HTTP: the parser keeps the last of two equal names, a reader of the message may take the first.
    if (auto refusal = jsonrpc::duplicate_member_refusal(line)) {
        co_await send(error_reply(nullptr, rpc::invalid_request, std::move(*refusal)));
        co_return;
    }
    co_await handle_message(std::move(message));
}

// Requests before initialize are answered normally (at the latest revision) rather than refused:
// the spec only says clients SHOULD NOT send them, and refusing gains nothing over a pipe that
// only this client holds. Batches are the exception, since only 2025-03-26 has them.
asio::awaitable<void> StdioServer::handle_message(json::value message) {
    if (message.is_array()) {
        auto& batch = message.as_array();
        if (auto refusal = mcp::Dispatcher::batch_refusal(batch, protocol_version_.value_or("")))
            co_await send(error_reply(nullptr, rpc::invalid_request, std::move(*refusal)));
        else if (in_flight_ >= settings_.max_in_flight)
            co_await send(error_reply(nullptr, rpc::internal_error, "Server busy: too many requests in flight"));
        else
            start_batch(std::move(batch));
        co_return;
    }

    auto classified = jsonrpc::classify(message);
    if (auto* invalid = std::get_if<jsonrpc::Invalid>(&classified)) {
        co_await send(error_reply(invalid->id, rpc::invalid_request, "Invalid Request: " + invalid->reason));
    } else if (auto* notification = std::get_if<jsonrpc::Notification>(&classified)) {
        // notifications/cancelled reaches the call through SessionState's in-flight registry.
        dispatcher_->handle_notification(*notification, scope(next_log_id(), nullptr));
    } else if (auto* request = std::get_if<jsonrpc::Request>(&classified)) {
        if (request->method == "initialize" && !protocol_version_) {
            co_await initialize(*request);
        } else if (in_flight_ >= settings_.max_in_flight) {
            co_await send(error_reply(request->id, rpc::internal_error,
                                      "Server busy: " + std::to_string(in_flight_) + " requests in flight"));
        } else {
            start(std::move(*request));
        }
    }
    // A client's response to us: we send no requests, so there is nothing to match it with.
}

asio::awaitable<void> StdioServer::initialize(const jsonrpc::Request& request) {
    const auto* params = request.params.if_object();
    const auto* requested = params ? params->if_contains("protocolVersion") : nullptr;
    if (!requested || !requested->is_string()) {
        co_await send(error_reply(request.id, rpc::invalid_params, "Invalid params: initialize needs \"protocolVersion\""));
        co_return;
    }
    protocol_version_ = std::string(mcp::negotiate_protocol_version(requested->as_string()));
    logger()->info("client initialized, protocol {}", *protocol_version_);
    co_await send(initialize_reply(request.id, dispatcher_->initialize_result(*protocol_version_)));
}

mcp::CallScope StdioServer::scope(std::string log_id, mcp::EventSink* sink) const {
    mcp::CallScope scope;
    scope.session = std::string(session_key);
    scope.protocol_version = protocol_version_.value_or(std::string(mcp::latest_protocol_version));
    scope.credentials = settings_.credentials;
    scope.request_id = std::move(log_id);
    scope.sink = sink;
    return scope;
}

std::string StdioServer::next_log_id() { return "stdio-" + std::to_string(++received_); }

void StdioServer::start(jsonrpc::Request request) {
    ++in_flight_;
    // Its own strand: runs beside the reader and the other requests; the dispatcher registers
    // tool calls with this executor so a cancellation lands on the right strand.
    asio::co_spawn(asio::make_strand(strand_.get_inner_executor()),
                   run_request(std::move(request), scope(next_log_id(), nullptr)),
                   asio::bind_executor(strand_, [self = shared_from_this()](std::exception_ptr error) {
                       self->finished(error);
                   }));
}

void StdioServer::start_batch(json::array batch) {
    ++in_flight_;
    asio::co_spawn(asio::make_strand(strand_.get_inner_executor()),
                   run_batch(std::move(batch), scope(next_log_id(), nullptr)),
                   asio::bind_executor(strand_, [self = shared_from_this()](std::exception_ptr error) {
                       self->finished(error);
                   }));
}

void StdioServer::finished(std::exception_ptr error) {
    if (error) {
        // Handlers catch what the dispatcher throws; this is only reached by e.g. bad_alloc.
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            logger()->error("a request ended with an exception: {}", e.what());
        } catch (...) {
            logger()->error("a request ended with an unknown exception");
        }
    }
    if (--in_flight_ == 0 && draining_) idle_.cancel();
}

asio::awaitable<void> StdioServer::run_request(jsonrpc::Request request, mcp::CallScope scope) {
    Sink sink(*this);
    scope.sink = &sink;
    json::object response;
    try {
        response = co_await dispatcher_->handle_request(request, scope);
    } catch (const std::exception& e) {
        logger()->error("[{}] {} failed: {}", scope.request_id, request.method, e.what());
        response = error_reply(request.id, rpc::internal_error, "Internal error");
    }
    co_await send(response);
}

asio::awaitable<void> StdioServer::run_batch(json::array batch, mcp::CallScope scope) {
    Sink sink(*this);
    scope.sink = &sink;
    json::array responses;
    bool failed = false;
    try {
        responses = co_await dispatcher_->handle_batch(batch, scope);
    } catch (const std::exception& e) {
        logger()->error("[{}] batch failed: {}", scope.request_id, e.what());
        failed = true;
    }
    if (failed) co_await send(error_reply(nullptr, rpc::internal_error, "Internal error"));
    else if (!responses.empty()) co_await send(responses);
}

asio::awaitable<bool> StdioServer::send(const json::value& message) {
    // Serialised where it was produced; queued on the server's strand (the only place the channel
    // is touched, so closing it never races a sender).
    co_return co_await asio::co_spawn(strand_, enqueue(json::serialize(message)), asio::use_awaitable);
}

asio::awaitable<bool> StdioServer::enqueue(std::string line) {
    if (output_closed_) co_return false;
    auto [ec] = co_await lines_.async_send(boost::system::error_code{}, std::move(line), use_nothrow);
    co_return !ec;
}

asio::awaitable<void> StdioServer::write_lines() {
    for (;;) {
        auto [ec, line] = co_await lines_.async_receive(use_nothrow);
        if (ec || line.empty()) break;  // closed, or the end marker
        line.push_back('\n');
        auto [write_ec, written] = co_await asio::async_write(output_, asio::buffer(line), use_nothrow);
        if (write_ec) {
            if (write_ec != asio::error::operation_aborted)
                logger()->warn("writing output failed ({}): the client is gone, stopping", write_ec.message());
            // Nobody reads our answers any more: stop reading too, and let requests finish silently.
            stopping_ = true;
            boost::system::error_code ignored;
            input_.cancel(ignored);
            break;
        }
    }
    close_output();
}

}  // namespace mamute::transport
