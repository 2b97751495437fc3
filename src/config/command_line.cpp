#include "config/command_line.hpp"

#include "common/json_duplicates.hpp"
#include "config/settings.hpp"
#include "upstream/url_encoding.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace mamute::config {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

Expected<bool> validate(const Config& config) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(config.http.bind, ec);
    if (ec) return make_error("http.bind: '" + config.http.bind + "' is not an IP address");
    boost::asio::ip::make_address(config.http.admin_bind, ec);
    if (ec) return make_error("http.admin_bind: '" + config.http.admin_bind + "' is not an IP address");
    // Port 0 is a fresh port for each; the same fixed port for both would fail later as "address in use".
    if (config.http.admin_port && *config.http.admin_port != 0 && *config.http.admin_port == config.http.port)
        return make_error("http.admin_port: " + std::to_string(config.http.port) +
                          " is http.port too; give the admin listener another port, or leave it unset");
    if (config.upstream.base_url) {
        // Checked here, not at the first call: a bad base URL must stop start-up with exit code 2.
        if (auto parsed = upstream::validate_base_url(*config.upstream.base_url); !parsed)
            return make_error("upstream.base_url (--base-url): " + parsed.error().message);
    }
    for (const auto& name : config.upstream.credential_headers)
        if (!upstream::is_valid_header_name(name))
            return make_error("upstream.credential_headers: '" + name + "' is not a valid header name");
    if (!config.http.auth_token.empty() && config.http.auth_token.size() < 16)
        return make_error("http.auth_token: use at least 16 characters");
    // Anyone who knows the secret can mint session ids; empty draws a random one per process.
    if (!config.http.session_secret.empty() && config.http.session_secret.size() < 16)
        return make_error("http.session_secret: use at least 16 characters (openssl rand -hex 32)");
    return true;
}

Expected<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Walks a config document: objects are sections, everything else a setting named by its path.
Expected<bool> apply_object(Config& config, const json::object& object, const std::string& prefix,
                            const std::string& source, const std::string& base_dir) {
    for (const auto& [name, value] : object) {
        if (name == "$comment") continue;
        const std::string key = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
        if (const auto* setting = find_setting_by_key(key)) {
            if (auto problem = setting->from_json(config, value, base_dir)) return make_error(source + ": " + key + ": " + *problem);
            continue;
        }
        bool is_section = false;
        for (const auto& setting : all_settings()) is_section = is_section || setting.key.starts_with(key + ".");
        if (!is_section) return make_error(source + ": " + key + ": unknown setting");
        if (!value.is_object()) return make_error(source + ": " + key + ": expected an object");
        if (auto applied = apply_object(config, value.get_object(), key, source, base_dir); !applied) return applied;
    }
    return true;
}

Expected<bool> load_config_file(Config& config, const std::string& path) {
    auto text = read_file(path);
    if (!text) return text.error();
    auto applied = apply_config_json(config, *text, path, fs::path(path).parent_path().string());
    if (!applied) return applied.error();
    config = std::move(*applied);
    return true;
}

}  // namespace

Expected<Config> apply_config_json(Config config, std::string_view json_text, const std::string& source,
                                   const std::string& base_dir) {
    boost::system::error_code ec;
    const auto document = json::parse(json_text, ec);
    if (ec) return make_error(source + ": not valid JSON: " + ec.message());
    if (auto twice = first_duplicate_key(json_text))
        return make_error(source + ": \"" + *twice + "\" is set twice in one object; keep one");
    if (!document.is_object()) return make_error(source + ": expected a JSON object");
    if (auto applied = apply_object(config, document.as_object(), "", source, base_dir); !applied) return applied.error();
    return config;
}

void apply_environment(Config& config, const std::function<const char*(const char*)>& getenv) {
    if (!config.stdio.enabled) return;
    auto fill = [&](std::optional<std::string>& target, const char* name) {
        if (target) return;  // the flag wins
        if (const char* value = getenv(name); value && *value) target = value;
    };
    fill(config.stdio.api_key, "MAMUTECLOUD_API_KEY");
    fill(config.stdio.bearer_token, "MAMUTECLOUD_BEARER_TOKEN");
}

std::string usage() {
    std::string text =
        "Usage: mamute-mcp [options]\n"
        "\n"
        "An MCP server (Streamable HTTP at /mcp, or stdio) that gives AI agents an OpenAPI-described API.\n"
        "Every setting can be given in the config file, as an environment variable and, for the common ones,\n"
        "as a flag; a flag wins over the environment, which wins over the file.\n"
        "\n"
        "Options:\n"
        "  --config FILE      JSON config file (see config/mamute-mcp.json; also $MAMUTE_MCP_CONFIG)\n"
        "  --stdio            serve one client on stdin/stdout (newline-delimited JSON-RPC) instead of HTTP;\n"
        "                     logs go to stderr\n"
        "  --api-key KEY      with --stdio: the X-API-Key execute-request sends (default: $MAMUTECLOUD_API_KEY;\n"
        "                     prefer the variable, flags show up in process lists)\n"
        "  --bearer-token T   with --stdio: sent as Authorization: Bearer T (default: $MAMUTECLOUD_BEARER_TOKEN)\n";
    for (const auto& setting : all_settings()) {
        if (setting.flag.empty()) continue;
        std::string left = "  " + setting.flag + " " + (setting.repeatable_flag ? "PATH" : "VALUE");
        left.resize(std::max<std::size_t>(left.size() + 1, 21), ' ');
        text += left + setting.help + (setting.repeatable_flag ? " (repeat for several)" : "") + "\n";
    }
    text +=
        "  --help             show this help\n"
        "  --version          show the version\n"
        "\n"
        "Settings (config file key = environment variable):\n";
    for (const auto& setting : all_settings()) text += "  " + setting.key + " = " + setting.env_name() + ": " + setting.help + "\n";
    return text;
}

Expected<CommandLine> parse_command_line(const std::vector<std::string>& args) { return parse_command_line(args, {}); }

Expected<CommandLine> parse_command_line(const std::vector<std::string>& args, const std::vector<std::string>& environment) {
    CommandLine result;
    auto& config = result.config;

    // 1. The config file: --config wins over $MAMUTE_MCP_CONFIG.
    std::optional<std::string> config_path;
    for (const auto& entry : environment)
        if (entry.starts_with(std::string(config_file_env) + "=")) config_path = entry.substr(config_file_env.size() + 1);
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config") {
            if (i + 1 >= args.size()) return make_error("--config: missing FILE");
            config_path = args[++i];
        } else if (args[i].starts_with("--config=")) {
            config_path = args[i].substr(9);
        }
    }
    if (config_path && !config_path->empty())
        if (auto loaded = load_config_file(config, *config_path); !loaded) return loaded.error();

    // 2. The environment: every MAMUTE_MCP_ variable must name a setting.
    for (const auto& entry : environment) {
        if (!entry.starts_with(env_prefix)) continue;
        const auto eq = entry.find('=');
        const auto name = entry.substr(0, eq);
        const auto value = eq == std::string::npos ? std::string() : entry.substr(eq + 1);
        if (name == config_file_env) continue;
        const auto* setting = find_setting_by_env(name);
        if (!setting) return make_error(name + ": unknown setting (mamute-mcp --help lists them)");
        if (auto problem = setting->from_text(config, value)) return make_error(name + ": " + *problem);
    }

    // 3. Flags.
    std::vector<std::string> flag_specs;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
        }
        auto value = [&]() -> Expected<std::string> {
            if (inline_value) return *inline_value;
            if (i + 1 >= args.size()) return make_error(flag + ": missing value");
            return args[++i];
        };
        if (flag == "--help" || flag == "-h") {
            result.show_help = true;
        } else if (flag == "--version") {
            result.show_version = true;
        } else if (flag == "--config") {
            if (!inline_value) ++i;  // already applied
        } else if (flag == "--stdio") {
            if (inline_value) return make_error("--stdio takes no value");
            config.stdio.enabled = true;
        } else if (flag == "--api-key" || flag == "--bearer-token") {
            auto v = value();
            if (!v) return v.error();
            if (v->empty()) return make_error(flag + ": empty value");
            (flag == "--api-key" ? config.stdio.api_key : config.stdio.bearer_token) = *v;
        } else if (const auto* setting = find_setting_by_flag(flag)) {
            auto v = value();
            if (!v) return v.error();
            if (setting->repeatable_flag) {
                flag_specs.push_back(*v);
            } else if (auto problem = setting->from_text(config, *v)) {
                return make_error(flag + ": " + *problem);
            }
        } else {
            return make_error("unknown option '" + args[i] + "'");
        }
    }
    if (!flag_specs.empty()) config.specs = std::move(flag_specs);
    // Over HTTP each client sends its own key in headers; a server-wide key would serve them all.
    if (!config.stdio.enabled && (config.stdio.api_key || config.stdio.bearer_token))
        return make_error(std::string(config.stdio.api_key ? "--api-key" : "--bearer-token") +
                          ": only used with --stdio (over HTTP the client sends X-API-Key or Authorization)");
    if (auto valid = validate(config); !valid) return valid.error();
    return result;
}

}  // namespace mamute::config
