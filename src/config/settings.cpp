#include "config/settings.hpp"

#include <charconv>
#include <filesystem>

#include "common/encoding.hpp"

namespace mamute::config {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

template <class T>
using Field = std::function<T&(Config&)>;
using Problem = std::optional<std::string>;

std::string resolve_path(const std::string& path, const std::string& base_dir) {
    if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
    return (fs::path(base_dir) / path).lexically_normal().string();
}

Problem parse_integer(std::string_view text, long long min, long long max, long long& out) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" +
               std::string(text) + "'";
    out = value;
    return std::nullopt;
}

Problem json_integer(const json::value& value, long long min, long long max, long long& out) {
    if (!value.is_int64() && !value.is_uint64()) return std::string("expected an integer");
    if (value.is_uint64() && value.get_uint64() > static_cast<unsigned long long>(max))
        return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
    const auto number = value.to_number<long long>();
    if (number < min || number > max)
        return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
               std::to_string(number);
    out = number;
    return std::nullopt;
}

// Integers of any width, and durations counted in their own unit (the key says which: _ms, _s).
template <class T>
Setting integer(std::string key, std::string flag, std::string help, Field<T> field, long long min, long long max) {
    auto assign = [field](Config& config, long long value) {
        if constexpr (std::is_arithmetic_v<T>)
            field(config) = static_cast<T>(value);
        else
            field(config) = T(value);
    };
    return Setting{std::move(key), std::move(flag), std::move(help),
                   [=](Config& config, const json::value& value, const std::string&) -> Problem {
                       long long number = 0;
                       if (auto problem = json_integer(value, min, max, number)) return problem;
                       assign(config, number);
                       return std::nullopt;
                   },
                   [=](Config& config, std::string_view text) -> Problem {
                       long long number = 0;
                       if (auto problem = parse_integer(text, min, max, number)) return problem;
                       assign(config, number);
                       return std::nullopt;
                   }};
}

Setting optional_port(std::string key, std::string flag, std::string help, Field<std::optional<std::uint16_t>> field) {
    return Setting{std::move(key), std::move(flag), std::move(help),
                   [=](Config& config, const json::value& value, const std::string&) -> Problem {
                       if (value.is_null()) {
                           field(config).reset();
                           return std::nullopt;
                       }
                       long long number = 0;
                       if (auto problem = json_integer(value, 0, 65535, number)) return problem;
                       field(config) = static_cast<std::uint16_t>(number);
                       return std::nullopt;
                   },
                   [=](Config& config, std::string_view text) -> Problem {
                       if (text.empty()) {
                           field(config).reset();
                           return std::nullopt;
                       }
                       long long number = 0;
                       if (auto problem = parse_integer(text, 0, 65535, number)) return problem;
                       field(config) = static_cast<std::uint16_t>(number);
                       return std::nullopt;
                   }};
}

// Strings; `paths` resolves relative values against the config file's folder; `choices` limits the values.
Setting text(std::string key, std::string flag, std::string help, Field<std::string> field, bool paths = false,
             std::vector<std::string> choices = {}) {
    auto check = [choices](std::string_view value) -> Problem {
        if (choices.empty()) return std::nullopt;
        std::string list;
        for (const auto& choice : choices) {
            if (value == choice) return std::nullopt;
            list += (list.empty() ? "" : ", ") + choice;
        }
        return "'" + std::string(value) + "' is not one of " + list;
    };
    return Setting{std::move(key), std::move(flag), std::move(help),
                   [=](Config& config, const json::value& value, const std::string& base_dir) -> Problem {
                       if (!value.is_string()) return std::string("expected a string");
                       if (auto problem = check(value.get_string())) return problem;
                       field(config) = paths ? resolve_path(std::string(value.get_string()), base_dir)
                                             : std::string(value.get_string());
                       return std::nullopt;
                   },
                   [=](Config& config, std::string_view value) -> Problem {
                       if (auto problem = check(value)) return problem;
                       field(config) = std::string(value);
                       return std::nullopt;
                   }};
}

Setting optional_text(std::string key, std::string flag, std::string help, Field<std::optional<std::string>> field) {
    return Setting{std::move(key), std::move(flag), std::move(help),
                   [=](Config& config, const json::value& value, const std::string&) -> Problem {
                       if (value.is_null() || (value.is_string() && value.get_string().empty())) {
                           field(config).reset();
                           return std::nullopt;
                       }
                       if (!value.is_string()) return std::string("expected a string");
                       field(config) = std::string(value.get_string());
                       return std::nullopt;
                   },
                   [=](Config& config, std::string_view value) -> Problem {
                       if (value.empty())
                           field(config).reset();
                       else
                           field(config) = std::string(value);
                       return std::nullopt;
                   }};
}

Setting boolean(std::string key, std::string flag, std::string help, Field<bool> field) {
    return Setting{std::move(key), std::move(flag), std::move(help),
                   [=](Config& config, const json::value& value, const std::string&) -> Problem {
                       if (!value.is_bool()) return std::string("expected true or false");
                       field(config) = value.get_bool();
                       return std::nullopt;
                   },
                   [=](Config& config, std::string_view value) -> Problem {
                       const auto lower = ascii_lower(value);
                       if (lower == "true" || lower == "1" || lower == "yes") {
                           field(config) = true;
                       } else if (lower == "false" || lower == "0" || lower == "no") {
                           field(config) = false;
                       } else {
                           return "expected true or false, got '" + std::string(value) + "'";
                       }
                       return std::nullopt;
                   }};
}

// Lists: a JSON array of strings, or comma-separated text in the environment and flags.
Setting list(std::string key, std::string flag, std::string help, Field<std::vector<std::string>> field,
             bool paths = false) {
    Setting setting{std::move(key), std::move(flag), std::move(help),
                    [=](Config& config, const json::value& value, const std::string& base_dir) -> Problem {
                        if (!value.is_array()) return std::string("expected an array of strings");
                        std::vector<std::string> items;
                        for (const auto& item : value.get_array()) {
                            if (!item.is_string()) return std::string("expected an array of strings");
                            items.push_back(paths ? resolve_path(std::string(item.get_string()), base_dir)
                                                  : std::string(item.get_string()));
                        }
                        field(config) = std::move(items);
                        return std::nullopt;
                    },
                    [=](Config& config, std::string_view value) -> Problem {
                        std::vector<std::string> items;
                        while (!value.empty()) {
                            const auto comma = value.find(',');
                            const auto item = trim_whitespace(value.substr(0, comma));
                            if (!item.empty()) items.emplace_back(item);
                            value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
                        }
                        field(config) = std::move(items);
                        return std::nullopt;
                    }};
    return setting;
}

std::vector<Setting> build_settings() {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    constexpr long long hour_ms = 3'600'000;
    std::vector<Setting> s;
    auto specs = list("specs", "--spec", "OpenAPI 3.x or Swagger 2.0 files (JSON or YAML) or folders of them; "
                                         "default: the bundled MamuteCloud spec",
                      [](Config& c) -> auto& { return c.specs; }, true);
    specs.repeatable_flag = true;
    s.push_back(std::move(specs));

    s.push_back(text("log.level", "--log-level", "trace, debug, info, warn, error, critical or off (default info)",
                     [](Config& c) -> auto& { return c.log.level; }, false,
                     {"trace", "debug", "info", "warn", "error", "critical", "off"}));
    s.push_back(text("log.format", "--log-format", "text, or json: one JSON object per line (default text)",
                     [](Config& c) -> auto& { return c.log.format; }, false, {"text", "json"}));
    s.push_back(boolean("log.access", "", "one log line per HTTP request", [](Config& c) -> auto& { return c.log.access; }));

    s.push_back(text("http.bind", "--bind", "address to listen on (default 127.0.0.1)",
                     [](Config& c) -> auto& { return c.http.bind; }));
    s.push_back(integer<std::uint16_t>("http.port", "--port", "port to listen on (default 8080; 0 picks a free port)",
                                       [](Config& c) -> auto& { return c.http.port; }, 0, 65535));
    s.push_back(list("http.allowed_origins", "", "Origin values allowed (port wildcard: http://localhost:*)",
                     [](Config& c) -> auto& { return c.http.allowed_origins; }));
    s.push_back(list("http.allowed_hosts", "", "Host header values allowed (default: loopback names on loopback)",
                     [](Config& c) -> auto& { return c.http.allowed_hosts; }));
    s.push_back(integer<std::size_t>("http.max_request_bytes", "", "largest request body",
                                     [](Config& c) -> auto& { return c.http.max_request_bytes; }, 1024, 1LL << 30));
    s.push_back(integer<std::size_t>("http.max_header_bytes", "", "largest request header block",
                                     [](Config& c) -> auto& { return c.http.max_header_bytes; }, 1024, 1 << 20));
    s.push_back(integer<std::size_t>("http.max_connections", "--max-connections", "open connections at most",
                                     [](Config& c) -> auto& { return c.http.max_connections; }, 1, 1'000'000));
    s.push_back(integer<milliseconds>("http.read_timeout_ms", "", "time to read one whole request",
                                      [](Config& c) -> auto& { return c.http.read_timeout; }, 1, hour_ms));
    s.push_back(integer<milliseconds>("http.idle_timeout_ms", "", "how long a kept-alive connection may sit idle",
                                      [](Config& c) -> auto& { return c.http.idle_timeout; }, 1, hour_ms));
    s.push_back(integer<unsigned>("http.threads", "--threads", "worker threads (default 0: one per core)",
                                  [](Config& c) -> auto& { return c.http.threads; }, 0, 1024));
    s.push_back(integer<seconds>("http.session_lifetime_s", "", "longest life of a session",
                                 [](Config& c) -> auto& { return c.http.session_lifetime; }, 60, 30LL * 24 * 3600));
    s.push_back(integer<seconds>("http.session_idle_timeout_s", "", "a session unused this long ends",
                                 [](Config& c) -> auto& { return c.http.session_idle_timeout; }, 10, 30LL * 24 * 3600));
    s.push_back(integer<std::size_t>("http.max_sessions", "", "sessions tracked at once by this replica",
                                     [](Config& c) -> auto& { return c.http.max_sessions; }, 1, 10'000'000));
    s.push_back(text("http.session_secret", "", "signs session ids; the same on every replica (default: random)",
                     [](Config& c) -> auto& { return c.http.session_secret; }));
    s.push_back(text("http.auth_token", "", "clients must send Authorization: Bearer <token> (default: none)",
                     [](Config& c) -> auto& { return c.http.auth_token; }));
    s.push_back(integer<unsigned>("http.rate_limit_per_minute", "", "tools/call per client and minute (0: no limit)",
                                  [](Config& c) -> auto& { return c.http.rate_limit_per_minute; }, 0, 1'000'000));
    s.push_back(integer<unsigned>("http.rate_limit_burst", "", "tools/call a client may make at once",
                                  [](Config& c) -> auto& { return c.http.rate_limit_burst; }, 1, 1'000'000));
    s.push_back(boolean("http.trust_forwarded_for", "", "client address from X-Forwarded-For (behind a proxy only)",
                        [](Config& c) -> auto& { return c.http.trust_forwarded_for; }));
    s.push_back(integer<milliseconds>("http.shutdown_timeout_ms", "", "time requests in flight get on SIGTERM",
                                      [](Config& c) -> auto& { return c.http.shutdown_timeout; }, 0, hour_ms));
    s.push_back(optional_port("http.admin_port", "--admin-port", "also serve /healthz, /readyz, /metrics on this port",
                              [](Config& c) -> auto& { return c.http.admin_port; }));
    s.push_back(text("http.admin_bind", "", "address of the admin listener (default 127.0.0.1)",
                     [](Config& c) -> auto& { return c.http.admin_bind; }));

    s.push_back(integer<std::size_t>("mcp.tools_page_size", "", "tools per tools/list page",
                                     [](Config& c) -> auto& { return c.mcp.tools_page_size; }, 1, 1000));
    s.push_back(integer<milliseconds>("mcp.progress_interval_ms", "", "progress notifications while a call runs",
                                      [](Config& c) -> auto& { return c.mcp.progress_interval; }, 10, hour_ms));
    s.push_back(integer<milliseconds>("mcp.keepalive_interval_ms", "", "comments on idle event streams",
                                      [](Config& c) -> auto& { return c.mcp.keepalive_interval; }, 100, hour_ms));

    s.push_back(optional_text("upstream.base_url", "--base-url", "send live calls here instead of the spec's servers",
                              [](Config& c) -> auto& { return c.upstream.base_url; }));
    s.push_back(text("upstream.ca_file", "--ca-file", "extra CA certificates (PEM) to trust for upstream TLS",
                     [](Config& c) -> auto& { return c.upstream.ca_file; }, true));
    s.push_back(integer<milliseconds>("upstream.connect_timeout_ms", "", "TCP connect to the API",
                                      [](Config& c) -> auto& { return c.upstream.connect_timeout; }, 1, hour_ms));
    s.push_back(integer<milliseconds>("upstream.tls_timeout_ms", "", "TLS handshake with the API",
                                      [](Config& c) -> auto& { return c.upstream.tls_timeout; }, 1, hour_ms));
    s.push_back(integer<milliseconds>("upstream.total_timeout_ms", "", "a whole live call",
                                      [](Config& c) -> auto& { return c.upstream.total_timeout; }, 1, hour_ms));
    s.push_back(integer<std::size_t>("upstream.max_response_bytes", "", "largest API response read",
                                     [](Config& c) -> auto& { return c.upstream.max_response_bytes; }, 1024, 1LL << 32));
    s.push_back(integer<std::size_t>("upstream.max_request_body_bytes", "", "largest request body sent",
                                     [](Config& c) -> auto& { return c.upstream.max_request_body_bytes; }, 1024, 1LL << 32));
    s.push_back(integer<std::size_t>("upstream.max_result_body_bytes", "", "body bytes shown in a tool result",
                                     [](Config& c) -> auto& { return c.upstream.max_result_body_bytes; }, 256, 1LL << 30));
    s.push_back(integer<unsigned>("upstream.max_redirects", "", "same-origin redirects followed",
                                  [](Config& c) -> auto& { return c.upstream.max_redirects; }, 0, 20));
    s.push_back(integer<std::size_t>("upstream.pool_max_idle_per_origin", "", "idle keep-alive connections per API origin",
                                     [](Config& c) -> auto& { return c.upstream.pool_max_idle_per_origin; }, 0, 1024));
    s.push_back(integer<milliseconds>("upstream.pool_idle_timeout_ms", "", "how long an idle API connection is kept",
                                      [](Config& c) -> auto& { return c.upstream.pool_idle_timeout; }, 1, hour_ms));
    s.push_back(list("upstream.credential_headers", "", "MCP request headers forwarded to the API as credentials",
                     [](Config& c) -> auto& { return c.upstream.credential_headers; }));
    return s;
}

}  // namespace

std::string Setting::env_name() const {
    std::string name(env_prefix);
    for (char c : key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

const std::vector<Setting>& all_settings() {
    static const std::vector<Setting> settings = build_settings();
    return settings;
}

const Setting* find_setting_by_key(std::string_view key) {
    for (const auto& setting : all_settings())
        if (setting.key == key) return &setting;
    return nullptr;
}

const Setting* find_setting_by_env(std::string_view name) {
    for (const auto& setting : all_settings())
        if (setting.env_name() == name) return &setting;
    return nullptr;
}

const Setting* find_setting_by_flag(std::string_view flag) {
    if (flag.empty()) return nullptr;
    for (const auto& setting : all_settings())
        if (setting.flag == flag) return &setting;
    return nullptr;
}

}  // namespace mamute::config
