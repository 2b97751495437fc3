#pragma once
// The little state a session has beyond its signed id: the log level a client asked for, and the
// tool calls in flight (so notifications/cancelled, which arrives on another connection, can stop
// one). Both are touched only by setLevel, cancel and a tool call's start and end, never by
// ordinary requests.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mamute::mcp {

// RFC 5424 severities as MCP names them, least severe first.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

class SessionState {
public:
    explicit SessionState(std::size_t max_sessions = 100'000) : max_sessions_(max_sessions) {}

    void set_log_level(const std::string& session, LogLevel level);
    // nullopt: the client never asked for log messages, so none are sent.
    std::optional<LogLevel> log_level(const std::string& session) const;
    void forget(const std::string& session);

    // Why a call was cancelled, for the message its client gets.
    enum class CancelReason { client, session_ended, shutdown };
    // A running tool call that can be cancelled from any thread.
    struct InFlight {
        boost::asio::any_io_executor executor;  // the strand the call runs on
        boost::asio::cancellation_signal signal;
        bool cancelled = false;  // set on the call's strand before the signal is emitted
        CancelReason reason = CancelReason::client;  // likewise
    };
    // Registers a call; the returned handle unregisters it when destroyed.
    std::shared_ptr<InFlight> start_call(const std::string& session, const std::string& request_id,
                                         boost::asio::any_io_executor executor);
    // Emits terminal cancellation on the call's own strand; false when no such call runs.
    bool cancel_call(const std::string& session, const std::string& request_id);
    // Cancels every call and stream of a session (DELETE); returns how many.
    std::size_t cancel_session(const std::string& session);
    // Shutdown: cancels every call and event stream of every session; returns how many.
    std::size_t cancel_all();

private:
    static void emit_cancel(std::shared_ptr<InFlight> call, CancelReason reason);

    using Key = std::pair<std::string, std::string>;

    std::size_t max_sessions_;
    mutable std::mutex mutex_;
    std::map<std::string, LogLevel, std::less<>> log_levels_;
    std::map<Key, std::weak_ptr<InFlight>> in_flight_;
};

}  // namespace mamute::mcp
