#pragma once
// Named loggers per component; all write to stderr so stdout stays free for data.
#include <memory>
#include <spdlog/spdlog.h>
#include <string>

namespace mamute::log {

// Returns the logger for a component ("http", "mcp", "upstream", ...), creating it on first use.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// Sets the level of every existing and future logger ("trace".."off").
void set_level(const std::string& level);

}  // namespace mamute::log
