#pragma once
// Every setting once: its key in the config file, its environment variable and (for the common ones)
// its flag, with one parser for all three. Adding a setting here is all it takes to make it
// configurable everywhere.
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace mamute::config {

struct Setting {
    std::string key;   // "http.port": section and name in the config file
    std::string flag;  // "--port", or empty
    std::string help;  // one line, for --help
    // Apply a value; the returned text says what is wrong, without naming where it came from.
    // base_dir: relative paths in a config file are relative to the file ("" for env and flags).
    std::function<std::optional<std::string>(Config&, const boost::json::value&, const std::string& base_dir)> from_json;
    std::function<std::optional<std::string>(Config&, std::string_view)> from_text;
    bool repeatable_flag = false;  // --spec a --spec b adds to a list

    std::string env_name() const;  // MAMUTE_MCP_HTTP_PORT
};

const std::vector<Setting>& all_settings();
const Setting* find_setting_by_key(std::string_view key);
const Setting* find_setting_by_env(std::string_view name);
const Setting* find_setting_by_flag(std::string_view flag);

inline constexpr std::string_view env_prefix = "MAMUTE_MCP_";
inline constexpr std::string_view config_file_env = "MAMUTE_MCP_CONFIG";

}  // namespace mamute::config
