#pragma once
// The MCP stdio transport: newline-delimited JSON-RPC 2.0 on two descriptors (stdin and stdout for
// `mamute-mcp --stdio`, a pipe pair in tests). One client, one implicit session.
//
// Concurrency: the reader, the in-flight count and the writer live on one strand. Each request runs
// as its own coroutine on its own strand, so a slow tool call never holds up ping or another call,
// and responses go out in the order they finish. Every outgoing line (responses, progress and log
// notifications) passes through one bounded channel drained by a single writer coroutine, so lines
// never interleave and a client that stops reading slows producers down instead of growing memory.
// The channel is only touched on the server's strand (a request hops there with co_spawn to queue
// a line), so closing it at shutdown never races a sender.
//
// Cancellation: notifications/cancelled goes through SessionState under the fixed key "stdio". A
// cancel that overtakes its request (both in one read, before the call has registered) is lost;
// the spec allows ignoring it, and the call still gets its answer.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "mcp/dispatcher.hpp"
#include "upstream/http_types.hpp"

namespace mamute::transport {

struct StdioSettings {
    // Longest accepted line (one JSON-RPC message or batch), newline excluded.
    std::size_t max_line_bytes = 1024 * 1024;
    // Outgoing lines waiting for the writer; producers wait when it is full.
    std::size_t max_queued_lines = 256;
    // Requests running at once; more get a JSON-RPC error instead of being started.
    std::size_t max_in_flight = 64;
    // After end of input: how long requests still running may take before they are cancelled and
    // the remaining output is flushed (flushing is bounded by the same deadline).
    std::chrono::milliseconds drain_timeout{5'000};
    // What execute-request forwards upstream (X-API-Key, Authorization): the client cannot send
    // headers over stdio, so they come from the environment or flags.
    upstream::HeaderList credentials;
};

// The headers execute-request forwards for the stdio client: X-API-Key and Authorization: Bearer.
upstream::HeaderList stdio_credentials(const config::StdioConfig& config);

class StdioServer : public std::enable_shared_from_this<StdioServer> {
public:
    // Takes ownership of both descriptors (they are closed when the server is destroyed).
    StdioServer(boost::asio::any_io_executor executor, int input_fd, int output_fd,
                std::shared_ptr<const mcp::Dispatcher> dispatcher, StdioSettings settings);

    // Serves until end of input (or stop()), lets requests in flight finish (bounded by
    // drain_timeout), flushes the output and returns. Spawn it on any executor; it moves itself
    // onto the server's strand.
    boost::asio::awaitable<void> run();

    // Thread-safe: stop reading, as if the input had ended.
    void stop();

    // The session key of the one stdio client in SessionState (in-flight calls, log level).
    static constexpr std::string_view session_key = "stdio";

private:
    using Channel = boost::asio::experimental::channel<void(boost::system::error_code, std::string)>;
    class Sink;

    // All of these run on strand_.
    boost::asio::awaitable<void> serve();
    boost::asio::awaitable<void> read_then_drain();
    boost::asio::awaitable<void> read_lines();
    boost::asio::awaitable<void> refuse_long_line();
    boost::asio::awaitable<void> handle_line(std::string_view line);
    boost::asio::awaitable<void> handle_message(boost::json::value message);
    boost::asio::awaitable<void> initialize(const jsonrpc::Request& request);
    boost::asio::awaitable<void> write_lines();
    boost::asio::awaitable<bool> enqueue(std::string line);
    void start(jsonrpc::Request request);
    void start_batch(boost::json::array batch);
    void finished(std::exception_ptr error);
    void deadline_passed();
    void close_output();
    mcp::CallScope scope(std::string log_id, mcp::EventSink* sink) const;
    std::string next_log_id();

    // These run on a request's own strand.
    boost::asio::awaitable<void> run_request(jsonrpc::Request request, mcp::CallScope scope);
    boost::asio::awaitable<void> run_batch(boost::json::array batch, mcp::CallScope scope);

    // From any strand: queues one outgoing message; false when the output is closed.
    boost::asio::awaitable<bool> send(const boost::json::value& message);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::posix::stream_descriptor input_;
    boost::asio::posix::stream_descriptor output_;
    std::shared_ptr<const mcp::Dispatcher> dispatcher_;
    StdioSettings settings_;
    Channel lines_;                    // outgoing lines; an empty one ends the writer
    boost::asio::steady_timer idle_;      // cancelled when the last request in flight ends
    boost::asio::steady_timer deadline_;  // end of input + drain_timeout

    // Touched on strand_ only.
    std::size_t in_flight_ = 0;
    std::uint64_t received_ = 0;
    bool stopping_ = false;
    bool draining_ = false;
    bool output_closed_ = false;
    std::optional<std::string> protocol_version_;  // set by initialize
};

}  // namespace mamute::transport
