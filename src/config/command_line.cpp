#include "config/command_line.hpp"

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

std::string resolve_path(const std::string& path, const std::string& base_dir) {
    if (path.empty() || fs::path(path).is_absolute() || base_dir.empty()) return path;
    return (fs::path(base_dir) / path).lexically_normal().string();
}

template <class Int>
Expected<Int> parse_int(std::string_view text, Int min, Int max, const std::string& what) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < static_cast<long long>(min) ||
        value > static_cast<long long>(max))
        return make_error(what + ": expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                          ", got '" + std::string(text) + "'");
    return static_cast<Int>(value);
}

// Reads the known keys of one JSON object; anything else is an error naming the key.
class Reader {
public:
    Reader(const json::object& object, std::string where) : object_(object), where_(std::move(where)) {}

    Expected<bool> check_unknown(const std::set<std::string>& known) const {
        for (const auto& [key, value] : object_)
            if (!known.contains(std::string(key)))
                return make_error(where_ + "." + std::string(key) + ": unknown setting");
        return true;
    }

    std::optional<Error> string(const char* key, std::string& out) const {
        const auto* v = object_.if_contains(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) return Error{where_ + "." + key + ": expected a string"};
        out = std::string(v->as_string());
        return std::nullopt;
    }

    std::optional<Error> strings(const char* key, std::vector<std::string>& out) const {
        const auto* v = object_.if_contains(key);
        if (!v) return std::nullopt;
        if (!v->is_array()) return Error{where_ + "." + key + ": expected an array of strings"};
        std::vector<std::string> values;
        for (const auto& item : v->as_array()) {
            if (!item.is_string()) return Error{where_ + "." + key + ": expected an array of strings"};
            values.emplace_back(item.as_string());
        }
        out = std::move(values);
        return std::nullopt;
    }

    template <class Int>
    std::optional<Error> integer(const char* key, Int& out, Int min, Int max) const {
        const auto* v = object_.if_contains(key);
        if (!v) return std::nullopt;
        if (!v->is_int64() && !v->is_uint64())
            return Error{where_ + "." + key + ": expected an integer"};
        const auto value = v->to_number<long long>();
        if (value < static_cast<long long>(min) || value > static_cast<long long>(max))
            return Error{where_ + "." + key + ": expected an integer from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got " + std::to_string(value)};
        out = static_cast<Int>(value);
        return std::nullopt;
    }

    std::optional<Error> millis(const char* key, std::chrono::milliseconds& out) const {
        long long ms = out.count();
        if (auto e = integer<long long>(key, ms, 1, 3'600'000)) return e;
        out = std::chrono::milliseconds(ms);
        return std::nullopt;
    }

    const json::object* object(const char* key, std::optional<Error>& error) const {
        const auto* v = object_.if_contains(key);
        if (!v) return nullptr;
        if (!v->is_object()) {
            error = Error{where_ + "." + key + ": expected an object"};
            return nullptr;
        }
        return &v->as_object();
    }

private:
    const json::object& object_;
    std::string where_;
};

#define MAMUTE_TRY(expr)                       \
    if (auto failure_ = (expr)) return *failure_;

Expected<bool> apply_http(HttpConfig& http, const json::object& object, const std::string& where) {
    Reader r(object, where);
    if (auto known = r.check_unknown({"bind", "port", "allowed_origins", "allowed_hosts", "max_request_bytes",
                                      "max_header_bytes", "max_connections", "read_timeout_ms", "threads", "session_lifetime_s"});
        !known)
        return known.error();
    MAMUTE_TRY(r.string("bind", http.bind));
    MAMUTE_TRY(r.integer<std::uint16_t>("port", http.port, 0, 65535));
    MAMUTE_TRY(r.strings("allowed_origins", http.allowed_origins));
    MAMUTE_TRY(r.strings("allowed_hosts", http.allowed_hosts));
    MAMUTE_TRY(r.integer<std::size_t>("max_request_bytes", http.max_request_bytes, 1024, 1 << 30));
    MAMUTE_TRY(r.integer<std::size_t>("max_header_bytes", http.max_header_bytes, 1024, 1 << 20));
    MAMUTE_TRY(r.integer<std::size_t>("max_connections", http.max_connections, 1, 1'000'000));
    MAMUTE_TRY(r.millis("read_timeout_ms", http.read_timeout));
    MAMUTE_TRY(r.integer<unsigned>("threads", http.threads, 0, 1024));
    long long lifetime = http.session_lifetime.count();
    MAMUTE_TRY(r.integer<long long>("session_lifetime_s", lifetime, 60, 30LL * 24 * 3600));
    http.session_lifetime = std::chrono::seconds(lifetime);
    return true;
}

Expected<bool> apply_upstream(UpstreamConfig& upstream, const json::object& object, const std::string& where,
                              const std::string& base_dir) {
    Reader r(object, where);
    if (auto known = r.check_unknown({"base_url", "ca_file", "connect_timeout_ms", "tls_timeout_ms", "total_timeout_ms",
                                      "max_response_bytes", "max_request_body_bytes", "max_result_body_bytes",
                                      "max_redirects", "pool_max_idle_per_origin", "pool_idle_timeout_ms",
                                      "credential_headers"});
        !known)
        return known.error();
    std::string base_url;
    MAMUTE_TRY(r.string("base_url", base_url));
    if (!base_url.empty()) upstream.base_url = base_url;
    MAMUTE_TRY(r.string("ca_file", upstream.ca_file));
    upstream.ca_file = resolve_path(upstream.ca_file, base_dir);
    MAMUTE_TRY(r.millis("connect_timeout_ms", upstream.connect_timeout));
    MAMUTE_TRY(r.millis("tls_timeout_ms", upstream.tls_timeout));
    MAMUTE_TRY(r.millis("total_timeout_ms", upstream.total_timeout));
    MAMUTE_TRY(r.integer<std::size_t>("max_response_bytes", upstream.max_response_bytes, 1024, 1ULL << 32));
    MAMUTE_TRY(r.integer<std::size_t>("max_request_body_bytes", upstream.max_request_body_bytes, 1024, 1ULL << 32));
    MAMUTE_TRY(r.integer<std::size_t>("max_result_body_bytes", upstream.max_result_body_bytes, 256, 1ULL << 30));
    MAMUTE_TRY(r.integer<unsigned>("max_redirects", upstream.max_redirects, 0, 20));
    MAMUTE_TRY(r.integer<std::size_t>("pool_max_idle_per_origin", upstream.pool_max_idle_per_origin, 0, 1024));
    MAMUTE_TRY(r.millis("pool_idle_timeout_ms", upstream.pool_idle_timeout));
    MAMUTE_TRY(r.strings("credential_headers", upstream.credential_headers));
    for (const auto& name : upstream.credential_headers)
        if (!upstream::is_valid_header_name(name))
            return make_error(where + ".credential_headers: '" + name + "' is not a valid header name");
    return true;
}

Expected<bool> validate(const Config& config) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(config.http.bind, ec);
    if (ec) return make_error("bind: '" + config.http.bind + "' is not an IP address");
    if (config.upstream.base_url) {
        // Checked here, not at the first call: a bad base URL must stop start-up with exit code 2.
        if (auto parsed = upstream::validate_base_url(*config.upstream.base_url); !parsed)
            return make_error("base-url: " + parsed.error().message);
    }
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (!levels.contains(config.log_level))
        return make_error("log-level: '" + config.log_level + "' is not one of trace, debug, info, warn, error, "
                          "critical, off");
    return true;
}

Expected<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

Expected<Config> apply_config_json(Config config, std::string_view json_text, const std::string& source,
                                   const std::string& base_dir) {
    boost::system::error_code ec;
    const auto document = json::parse(json_text, ec);
    if (ec) return make_error(source + ": not valid JSON: " + ec.message());
    if (!document.is_object()) return make_error(source + ": expected a JSON object");
    Reader root(document.as_object(), source);
    if (auto known = root.check_unknown({"http", "upstream", "specs", "log_level", "$comment"}); !known)
        return known.error();
    std::optional<Error> error;
    if (const auto* http = root.object("http", error)) {
        if (auto applied = apply_http(config.http, *http, source + ": http"); !applied) return applied.error();
    }
    if (error) return *error;
    if (const auto* upstream = root.object("upstream", error)) {
        if (auto applied = apply_upstream(config.upstream, *upstream, source + ": upstream", base_dir); !applied)
            return applied.error();
    }
    if (error) return *error;
    MAMUTE_TRY(root.strings("specs", config.specs));
    for (auto& spec : config.specs) spec = resolve_path(spec, base_dir);
    MAMUTE_TRY(root.string("log_level", config.log_level));
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
    return "Usage: mamute-mcp [options]\n"
           "\n"
           "An MCP server (Streamable HTTP at /mcp, or stdio) that gives AI agents an OpenAPI-described API.\n"
           "\n"
           "Options:\n"
           "  --config FILE      JSON config file (see config/mamute-mcp.json); flags override it\n"
           "  --stdio            serve one client on stdin/stdout (newline-delimited JSON-RPC) instead of HTTP;\n"
           "                     logs go to stderr\n"
           "  --api-key KEY      with --stdio: the X-API-Key execute-request sends (default: $MAMUTECLOUD_API_KEY;\n"
           "                     prefer the variable, flags show up in process lists)\n"
           "  --bearer-token T   with --stdio: sent as Authorization: Bearer T (default: $MAMUTECLOUD_BEARER_TOKEN)\n"
           "  --bind ADDR        address to listen on (default 127.0.0.1)\n"
           "  --port N           port to listen on (default 8080; 0 picks a free port)\n"
           "  --spec PATH        OpenAPI 3.x or Swagger 2.0 file (JSON or YAML) or a folder of them; repeat for\n"
           "                     several (default: bundled MamuteCloud spec)\n"
           "  --base-url URL     send live calls to this base URL instead of the spec's servers\n"
           "  --ca-file PEM      extra CA certificates to trust for upstream TLS\n"
           "  --threads N        worker threads (default: one per core)\n"
           "  --log-level LEVEL  trace, debug, info, warn, error, critical or off (default info)\n"
           "  --help             show this help\n"
           "  --version          show the version\n";
}

Expected<CommandLine> parse_command_line(const std::vector<std::string>& args) {
    CommandLine result;
    // The config file is applied first so that flags override it wherever they appear.
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" || args[i].starts_with("--config=")) {
            std::string path;
            if (args[i] == "--config") {
                if (i + 1 >= args.size()) return make_error("--config: missing FILE");
                path = args[++i];
            } else {
                path = args[i].substr(9);
            }
            auto text = read_file(path);
            if (!text) return text.error();
            auto applied =
                apply_config_json(result.config, *text, path, fs::path(path).parent_path().string());
            if (!applied) return applied.error();
            result.config = std::move(*applied);
        }
    }

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
        } else if (flag == "--bind") {
            auto v = value();
            if (!v) return v.error();
            result.config.http.bind = *v;
        } else if (flag == "--port") {
            auto v = value();
            if (!v) return v.error();
            auto port = parse_int<std::uint16_t>(*v, 0, 65535, "--port");
            if (!port) return port.error();
            result.config.http.port = *port;
        } else if (flag == "--spec") {
            auto v = value();
            if (!v) return v.error();
            flag_specs.push_back(*v);
        } else if (flag == "--base-url") {
            auto v = value();
            if (!v) return v.error();
            result.config.upstream.base_url = *v;
        } else if (flag == "--ca-file") {
            auto v = value();
            if (!v) return v.error();
            result.config.upstream.ca_file = *v;
        } else if (flag == "--threads") {
            auto v = value();
            if (!v) return v.error();
            auto threads = parse_int<unsigned>(*v, 0, 1024, "--threads");
            if (!threads) return threads.error();
            result.config.http.threads = *threads;
        } else if (flag == "--stdio") {
            if (inline_value) return make_error("--stdio takes no value");
            result.config.stdio.enabled = true;
        } else if (flag == "--api-key" || flag == "--bearer-token") {
            auto v = value();
            if (!v) return v.error();
            if (v->empty()) return make_error(flag + ": empty value");
            (flag == "--api-key" ? result.config.stdio.api_key : result.config.stdio.bearer_token) = *v;
        } else if (flag == "--log-level") {
            auto v = value();
            if (!v) return v.error();
            result.config.log_level = *v;
        } else {
            return make_error("unknown option '" + args[i] + "'");
        }
    }
    if (!flag_specs.empty()) result.config.specs = std::move(flag_specs);
    // Over HTTP each client sends its own key in headers; a server-wide key would serve them all.
    if (!result.config.stdio.enabled && (result.config.stdio.api_key || result.config.stdio.bearer_token))
        return make_error(std::string(result.config.stdio.api_key ? "--api-key" : "--bearer-token") +
                          ": only used with --stdio (over HTTP the client sends X-API-Key or Authorization)");
    if (auto valid = validate(result.config); !valid) return valid.error();
    return result;
}

}  // namespace mamute::config
