#pragma once
// Builds the Config from defaults, a JSON config file, the environment and flags (flags win).
#include <functional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "config/config.hpp"

namespace mamute::config {

struct CommandLine {
    Config config;
    bool show_help = false;
    bool show_version = false;
};

// Defaults, then the config file (--config, else $MAMUTE_MCP_CONFIG), then MAMUTE_MCP_* variables of
// `environment` ("NAME=value" entries), then flags. args excludes the program name. Errors name the flag,
// variable, file or key at fault; an unknown MAMUTE_MCP_ variable or config key is an error.
Expected<CommandLine> parse_command_line(const std::vector<std::string>& args, const std::vector<std::string>& environment);
Expected<CommandLine> parse_command_line(const std::vector<std::string>& args);  // no environment

// Applies a config document over `config`. Relative spec and CA paths are taken relative to base_dir.
Expected<Config> apply_config_json(Config config, std::string_view json_text, const std::string& source,
                                   const std::string& base_dir);

// With --stdio, fills the credentials no flag gave from MAMUTECLOUD_API_KEY and
// MAMUTECLOUD_BEARER_TOKEN (empty values are ignored). `getenv` is std::getenv outside tests.
void apply_environment(Config& config, const std::function<const char*(const char*)>& getenv);

std::string usage();

}  // namespace mamute::config
