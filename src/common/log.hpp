#pragma once
// Named loggers per component; all write to stderr so stdout stays free for data.
// A line about a request starts with "[<request id>] "; the JSON format lifts that prefix into
// its own "request_id" field, so the convention holds for both formats.
#include <memory>
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>
#include <string>
#include <string_view>

namespace mamute::log {

// Returns the logger for a component ("http", "mcp", "upstream", ...), creating it on first use.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// Sets the level of every existing and future logger ("trace".."off").
void set_level(const std::string& level);

// Level plus format: "text" (human-readable) or "json" (one object per line:
// {"time","level","logger","msg","request_id"?}). Call at start-up, before serving.
void configure(const std::string& level, const std::string& format);

// Extra destinations besides stderr (tests capture output this way); they get the current format.
void add_sink(spdlog::sink_ptr sink);
void remove_sink(const spdlog::sink_ptr& sink);

// The formatter behind format "json", exposed for tests.
std::unique_ptr<spdlog::formatter> json_formatter();

}  // namespace mamute::log
