#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace mamute::log {

std::shared_ptr<spdlog::logger> get(const std::string& component) {
    if (auto existing = spdlog::get(component)) return existing;
    try {
        auto logger = spdlog::stderr_color_mt(component);
        logger->set_level(spdlog::get_level());
        return logger;
    } catch (const spdlog::spdlog_ex&) {
        // Another thread registered it between get() and create().
        return spdlog::get(component);
    }
}

void set_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

}  // namespace mamute::log
