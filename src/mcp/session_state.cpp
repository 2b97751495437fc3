#include "mcp/session_state.hpp"

#include <array>
#include <boost/asio/post.hpp>
#include <vector>

namespace mamute::mcp {

namespace {
constexpr std::array<std::string_view, 8> level_names = {"debug",    "info",  "notice", "warning",
                                                         "error",    "critical", "alert", "emergency"};
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (std::size_t i = 0; i < level_names.size(); ++i)
        if (level_names[i] == name) return static_cast<LogLevel>(i);
    return std::nullopt;
}

std::string_view log_level_name(LogLevel level) { return level_names[static_cast<std::size_t>(level)]; }

void SessionState::set_log_level(const std::string& session, LogLevel level) {
    std::lock_guard lock(mutex_);
    // Bounded: past the limit the oldest-keyed entry goes; a client that loses its level gets no log messages.
    if (!log_levels_.contains(session) && log_levels_.size() >= max_sessions_) log_levels_.erase(log_levels_.begin());
    log_levels_[session] = level;
}

std::optional<LogLevel> SessionState::log_level(const std::string& session) const {
    std::lock_guard lock(mutex_);
    auto it = log_levels_.find(session);
    if (it == log_levels_.end()) return std::nullopt;
    return it->second;
}

void SessionState::forget(const std::string& session) {
    std::lock_guard lock(mutex_);
    log_levels_.erase(session);
}

std::shared_ptr<SessionState::InFlight> SessionState::start_call(const std::string& session,
                                                                 const std::string& request_id,
                                                                 boost::asio::any_io_executor executor) {
    Key key{session, request_id};
    auto call = std::shared_ptr<InFlight>(new InFlight{std::move(executor), {}}, [this, key](InFlight* ended) {
        {
            std::lock_guard lock(mutex_);
            auto it = in_flight_.find(key);
            if (it != in_flight_.end() && it->second.expired()) in_flight_.erase(it);
        }
        delete ended;
    });
    std::lock_guard lock(mutex_);
    in_flight_[key] = call;
    return call;
}

bool SessionState::cancel_call(const std::string& session, const std::string& request_id) {
    std::shared_ptr<InFlight> call;
    {
        std::lock_guard lock(mutex_);
        auto it = in_flight_.find(Key{session, request_id});
        if (it == in_flight_.end()) return false;
        call = it->second.lock();
    }
    if (!call) return false;
    emit_cancel(std::move(call), CancelReason::client);
    return true;
}

std::size_t SessionState::cancel_session(const std::string& session) {
    std::vector<std::shared_ptr<InFlight>> calls;
    {
        std::lock_guard lock(mutex_);
        for (auto it = in_flight_.lower_bound(Key{session, ""}); it != in_flight_.end() && it->first.first == session;
             ++it)
            if (auto call = it->second.lock()) calls.push_back(std::move(call));
        log_levels_.erase(session);
    }
    for (auto& call : calls) emit_cancel(std::move(call), CancelReason::session_ended);
    return calls.size();
}

std::size_t SessionState::cancel_all() {
    std::vector<std::shared_ptr<InFlight>> calls;
    {
        std::lock_guard lock(mutex_);
        for (auto& [key, weak] : in_flight_)
            if (auto call = weak.lock()) calls.push_back(std::move(call));
    }
    for (auto& call : calls) emit_cancel(std::move(call), CancelReason::shutdown);
    return calls.size();
}

void SessionState::emit_cancel(std::shared_ptr<InFlight> call, CancelReason reason) {
    // A cancellation signal may only be emitted from the strand its operation runs on.
    auto executor = call->executor;
    boost::asio::post(executor, [call = std::move(call), reason] {
        if (!call->cancelled) call->reason = reason;  // the first reason stands
        call->cancelled = true;
        call->signal.emit(boost::asio::cancellation_type::terminal);
    });
}

}  // namespace mamute::mcp
