#include "common/log.hpp"

#include "common/encoding.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <mutex>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace mamute::log {

namespace {

// Every logger writes into this one distributing sink, so changing the format or adding a capture
// sink reaches all of them at once without touching the loggers (which other threads are using).
// Each logger reaches it through a Forwarder of its own, so muting one logger's sink mutes only it.
struct Sinks {
    std::shared_ptr<spdlog::sinks::dist_sink_mt> root = std::make_shared<spdlog::sinks::dist_sink_mt>();
    spdlog::sink_ptr console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    bool json = false;

    Sinks() { root->add_sink(console); }
};

// Hands lines to the shared sink; formatting happens there (set by configure()), so the pattern and
// formatter setters are no-ops. Lock-free: the shared sink takes its own lock.
class Forwarder final : public spdlog::sinks::sink {
public:
    explicit Forwarder(spdlog::sink_ptr target) : target_(std::move(target)) {}
    void log(const spdlog::details::log_msg& msg) override { target_->log(msg); }
    void flush() override { target_->flush(); }
    void set_pattern(const std::string&) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

private:
    spdlog::sink_ptr target_;
};

Sinks& sinks() {
    static Sinks instance;
    return instance;
}

std::mutex& configure_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::unique_ptr<spdlog::formatter> current_formatter(bool json) {
    if (json) return json_formatter();
    return std::make_unique<spdlog::pattern_formatter>();  // spdlog's default human-readable pattern
}

// Bytes that are not valid UTF-8 become U+FFFD: a JSON reader must be able to parse every line.
std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (const auto length = utf8_sequence_length(text, i)) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string_view text(msg.payload.data(), msg.payload.size());
        boost::json::object line;
        line["time"] = timestamp(msg.time);
        const auto level = spdlog::level::to_string_view(msg.level);
        line["level"] = std::string_view(level.data(), level.size());
        line["logger"] = valid_utf8(std::string_view(msg.logger_name.data(), msg.logger_name.size()));
        std::string_view request_id;
        // "[id] rest": request ids are printable ASCII without spaces, so the first "] " ends one.
        if (text.size() > 3 && text.front() == '[') {
            const auto close = text.find("] ");
            if (close != std::string_view::npos && close > 1 && close <= 129) {
                const auto candidate = text.substr(1, close - 1);
                bool plain = true;
                for (unsigned char c : candidate)
                    if (c < 0x21 || c > 0x7e) plain = false;
                if (plain) {
                    request_id = candidate;
                    text.remove_prefix(close + 2);
                }
            }
        }
        line["msg"] = valid_utf8(text);
        if (!request_id.empty()) line["request_id"] = request_id;
        const auto serialized = boost::json::serialize(line);
        dest.append(serialized.data(), serialized.data() + serialized.size());
        dest.push_back('\n');
    }

    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }

private:
    // ISO-8601 UTC with milliseconds, e.g. 2026-12-03T16:10:10.123Z.
    static std::string timestamp(spdlog::log_clock::time_point time) {
        const auto since_epoch = time.time_since_epoch();
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
        const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
        const std::time_t as_time_t = static_cast<std::time_t>(seconds.count());
        std::tm utc{};
        gmtime_r(&as_time_t, &utc);
        char buffer[80];  // room for any int the format could print, so GCC sees no truncation
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                      utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
        return buffer;
    }
};

}  // namespace

std::unique_ptr<spdlog::formatter> json_formatter() { return std::make_unique<JsonFormatter>(); }

std::shared_ptr<spdlog::logger> get(const std::string& component) {
    if (auto existing = spdlog::get(component)) return existing;
    auto logger = std::make_shared<spdlog::logger>(component, std::make_shared<Forwarder>(sinks().root));
    logger->set_level(spdlog::get_level());
    try {
        // register_logger, not initialize_logger: the latter would reset the shared sink's formatter.
        spdlog::register_logger(logger);
        return logger;
    } catch (const spdlog::spdlog_ex&) {
        // Another thread registered it between get() and here.
        return spdlog::get(component);
    }
}

void set_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

void configure(const std::string& level, const std::string& format) {
    std::lock_guard lock(configure_mutex());
    set_level(level);
    auto& state = sinks();
    state.json = format == "json";
    // JSON lines go to the plain stderr sink: colour escapes would break them.
    state.root->remove_sink(state.console);
    if (state.json)
        state.console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    else
        state.console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    state.console->set_formatter(current_formatter(state.json));
    state.root->add_sink(state.console);
}

void add_sink(spdlog::sink_ptr sink) {
    std::lock_guard lock(configure_mutex());
    sink->set_formatter(current_formatter(sinks().json));
    sinks().root->add_sink(std::move(sink));
}

void remove_sink(const spdlog::sink_ptr& sink) {
    std::lock_guard lock(configure_mutex());
    sinks().root->remove_sink(sink);
}

}  // namespace mamute::log
