#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/command_line.hpp"
#include "config/settings.hpp"

#include <boost/json/parse.hpp>

using namespace mamute::config;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path() / "mamute-config-test";
    std::filesystem::create_directories(dir);
    const auto path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("config: defaults without flags") {
    auto parsed = parse_command_line({});
    REQUIRE(parsed);
    CHECK(parsed->config.http.bind == "127.0.0.1");
    CHECK(parsed->config.http.port == 8080);
    CHECK(parsed->config.specs.empty());
    CHECK_FALSE(parsed->config.upstream.base_url);
}

TEST_CASE("config: flags override the file wherever they appear") {
    const auto file = write_temp("precedence.json", R"({"http":{"port":9000,"bind":"0.0.0.0"},
        "upstream":{"base_url":"https://staging.example.com","total_timeout_ms":5000},"specs":["a.json"]})");
    auto parsed = parse_command_line({"--port", "0", "--config", file, "--spec", "/abs/b.json", "--spec=c.json"});
    REQUIRE(parsed);
    CHECK(parsed->config.http.port == 0);
    CHECK(parsed->config.http.bind == "0.0.0.0");
    CHECK(parsed->config.upstream.base_url == "https://staging.example.com");
    CHECK(parsed->config.upstream.total_timeout == std::chrono::milliseconds(5000));
    CHECK(parsed->config.specs == std::vector<std::string>{"/abs/b.json", "c.json"});

    auto file_only = parse_command_line({"--config", file});
    REQUIRE(file_only);
    // Spec paths in a config file are relative to the file.
    CHECK(file_only->config.specs ==
          std::vector<std::string>{(std::filesystem::path(file).parent_path() / "a.json").string()});
}

TEST_CASE("config: bad flags and settings are refused with the culprit named") {
    auto check = [](std::vector<std::string> args, const std::string& expected) {
        auto parsed = parse_command_line(args);
        REQUIRE_FALSE(parsed);
        INFO(parsed.error().message);
        CHECK(parsed.error().message.find(expected) != std::string::npos);
    };
    check({"--port", "70000"}, "--port");
    check({"--port", "abc"}, "--port");
    check({"--port"}, "--port: missing value");
    check({"--frobnicate"}, "unknown option '--frobnicate'");
    check({"--bind", "not-an-ip"}, "bind");
    check({"--base-url", "ftp://x"}, "base-url");
    check({"--base-url", "http://x.com:99999"}, "base-url");
    check({"--base-url", "https://"}, "base-url");
    check({"--base-url", "http://[::1"}, "base-url");
    check({"--base-url", "https://x.com/api?x=1"}, "base-url");
    check({"--log-level", "loud"}, "log-level");
    check({"--config", "/nonexistent/mamute.json"}, "/nonexistent/mamute.json: cannot open");
    check({"--config", write_temp("unknown.json", R"({"http":{"prot":1}})")}, "http.prot: unknown setting");
    check({"--config", write_temp("type.json", R"({"http":{"port":"80"}})")}, "http.port: expected an integer");
    check({"--config", write_temp("range.json", R"({"upstream":{"total_timeout_ms":0}})")},
          "upstream.total_timeout_ms");
    check({"--config", write_temp("broken.json", "{")}, "not valid JSON");
    check({"--config", write_temp("toplevel.json", R"({"sepcs":[]})")}, "sepcs: unknown setting");
}

TEST_CASE("config: the shipped config file is valid") {
    auto parsed = parse_command_line({"--config", MAMUTE_SOURCE_DIR "/config/mamute-mcp.json"});
    REQUIRE(parsed);
    REQUIRE(parsed->config.specs.size() == 1);
    CHECK(std::filesystem::exists(parsed->config.specs[0]));
}

TEST_CASE("config: --stdio and its credentials; flags win over the environment") {
    auto plain = parse_command_line({});
    REQUIRE(plain);
    CHECK_FALSE(plain->config.stdio.enabled);

    auto parsed = parse_command_line({"--stdio", "--api-key", "mk_flag", "--bearer-token=tok_flag"});
    REQUIRE(parsed);
    CHECK(parsed->config.stdio.enabled);
    CHECK(parsed->config.stdio.api_key == "mk_flag");
    CHECK(parsed->config.stdio.bearer_token == "tok_flag");

    auto env = [](const char* name) -> const char* {
        const std::string key(name);
        if (key == "MAMUTECLOUD_API_KEY") return "mk_env";
        if (key == "MAMUTECLOUD_BEARER_TOKEN") return "tok_env";
        return nullptr;
    };
    auto config = parsed->config;
    apply_environment(config, env);
    CHECK(config.stdio.api_key == "mk_flag");
    CHECK(config.stdio.bearer_token == "tok_flag");

    auto bare = parse_command_line({"--stdio"});
    REQUIRE(bare);
    config = bare->config;
    CHECK_FALSE(config.stdio.api_key);
    apply_environment(config, env);
    CHECK(config.stdio.api_key == "mk_env");
    CHECK(config.stdio.bearer_token == "tok_env");

    // Empty variables count as unset; without --stdio the environment is not read.
    config = bare->config;
    apply_environment(config, [](const char*) -> const char* { return ""; });
    CHECK_FALSE(config.stdio.api_key);
    CHECK_FALSE(config.stdio.bearer_token);
    config = plain->config;
    apply_environment(config, env);
    CHECK_FALSE(config.stdio.api_key);
}

TEST_CASE("config: stdio flags are refused where they make no sense") {
    auto check = [](std::vector<std::string> args, const std::string& expected) {
        auto parsed = parse_command_line(args);
        REQUIRE_FALSE(parsed);
        INFO(parsed.error().message);
        CHECK(parsed.error().message.find(expected) != std::string::npos);
    };
    check({"--api-key", "k"}, "--api-key: only used with --stdio");
    check({"--bearer-token", "t"}, "--bearer-token: only used with --stdio");
    check({"--stdio", "--api-key"}, "--api-key: missing value");
    check({"--stdio", "--api-key", ""}, "--api-key: empty value");
    check({"--stdio=yes"}, "--stdio takes no value");
}

TEST_CASE("config: --help mentions --stdio and its credentials") {
    const auto text = usage();
    for (const char* flag : {"--stdio", "--api-key", "--bearer-token", "MAMUTECLOUD_API_KEY", "MAMUTECLOUD_BEARER_TOKEN"})
        CHECK(text.find(flag) != std::string::npos);
}

TEST_CASE("config: precedence is flag over environment over file over default") {
    const auto file = write_temp("layers.json", R"({"http":{"port":9000,"max_connections":50,"threads":3},
        "log":{"level":"warn"}})");
    const std::vector<std::string> env = {"MAMUTE_MCP_CONFIG=" + file, "MAMUTE_MCP_HTTP_PORT=9100",
                                          "MAMUTE_MCP_HTTP_MAX_CONNECTIONS=60", "PATH=/usr/bin",
                                          "MAMUTE_MCP_UPSTREAM_CREDENTIAL_HEADERS=X-API-Key, X-Tenant-Token",
                                          "MAMUTE_MCP_LOG_FORMAT=json", "MAMUTE_MCP_HTTP_TRUST_FORWARDED_FOR=yes"};
    auto parsed = parse_command_line({"--port", "9200"}, env);
    REQUIRE(parsed);
    const auto& config = parsed->config;
    CHECK(config.http.port == 9200);            // flag
    CHECK(config.http.max_connections == 60);   // environment over file
    CHECK(config.http.threads == 3);            // file
    CHECK(config.log.level == "warn");          // file
    CHECK(config.log.format == "json");         // environment
    CHECK(config.http.read_timeout == std::chrono::milliseconds(30'000));  // default
    CHECK(config.http.trust_forwarded_for);
    CHECK(config.upstream.credential_headers == std::vector<std::string>{"X-API-Key", "X-Tenant-Token"});
    // --config wins over MAMUTE_MCP_CONFIG.
    const auto other = write_temp("other.json", R"({"http":{"threads":5}})");
    auto flagged = parse_command_line({"--config", other}, env);
    REQUIRE(flagged);
    CHECK(flagged->config.http.threads == 5);
    CHECK(flagged->config.http.port == 9100);
}

TEST_CASE("config: every rejection names the setting and where it came from") {
    auto check = [](std::vector<std::string> args, std::vector<std::string> env, const std::string& expected) {
        auto parsed = parse_command_line(args, env);
        REQUIRE_FALSE(parsed);
        INFO(parsed.error().message);
        CHECK(parsed.error().message.find(expected) != std::string::npos);
    };
    check({}, {"MAMUTE_MCP_HTTP_PROT=1"}, "MAMUTE_MCP_HTTP_PROT: unknown setting");
    check({}, {"MAMUTE_MCP_HTTP_PORT=eighty"}, "MAMUTE_MCP_HTTP_PORT: expected an integer from 0 to 65535, got 'eighty'");
    check({}, {"MAMUTE_MCP_LOG_FORMAT=xml"}, "MAMUTE_MCP_LOG_FORMAT: 'xml' is not one of text, json");
    check({}, {"MAMUTE_MCP_LOG_ACCESS=maybe"}, "MAMUTE_MCP_LOG_ACCESS: expected true or false, got 'maybe'");
    check({}, {"MAMUTE_MCP_CONFIG=/nonexistent/m.json"}, "/nonexistent/m.json: cannot open");
    check({"--admin-port", "-1"}, {}, "--admin-port: expected an integer from 0 to 65535");
    check({"--log-format", "yaml"}, {}, "--log-format: 'yaml' is not one of text, json");
    check({}, {"MAMUTE_MCP_HTTP_ADMIN_BIND=localhost"}, "http.admin_bind: 'localhost' is not an IP address");
    check({"--port", "9300", "--admin-port", "9300"}, {}, "http.admin_port: 9300 is http.port too");
    CHECK(parse_command_line({"--port", "0", "--admin-port", "0"}, {}));  // two fresh ports
    check({}, {"MAMUTE_MCP_HTTP_AUTH_TOKEN=short"}, "http.auth_token: use at least 16 characters");
    check({}, {"MAMUTE_MCP_UPSTREAM_CREDENTIAL_HEADERS=X Key"}, "upstream.credential_headers: 'X Key'");
    check({"--config", write_temp("section.json", R"({"http":5})")}, {}, "http: expected an object");
    check({"--config", write_temp("bool.json", R"({"log":{"access":"yes"}})")}, {}, "log.access: expected true or false");
    check({"--config", write_temp("list.json", R"({"specs":"a.json"})")}, {}, "specs: expected an array of strings");
    check({"--config", write_temp("old.json", R"({"log_level":"info"})")}, {}, "log_level: unknown setting");
    check({"--config", write_temp("twice.json", R"({"http":{"port":9000,"port":9001}})")}, {},
          "\"port\" is set twice in one object");
    check({"--config", write_temp("big.json", R"({"http":{"port":18446744073709551615}})")}, {}, "http.port: expected an integer from 0 to 65535");
}

TEST_CASE("config: the shipped config file lists every setting, and only settings") {
    std::ifstream in(MAMUTE_SOURCE_DIR "/config/mamute-mcp.json");
    std::stringstream text;
    text << in.rdbuf();
    const auto document = boost::json::parse(text.str()).as_object();
    std::set<std::string> in_file;
    for (const auto& [section, value] : document) {
        if (section == "$comment") continue;
        if (!value.is_object()) {
            in_file.insert(std::string(section));
            continue;
        }
        for (const auto& [name, item] : value.get_object()) in_file.insert(std::string(section) + "." + std::string(name));
    }
    std::set<std::string> known;
    for (const auto& setting : all_settings()) known.insert(setting.key);
    CHECK(in_file == known);
    // Each is in --help with its environment variable.
    const auto help = usage();
    for (const auto& setting : all_settings()) CHECK(help.find(setting.key + " = " + setting.env_name()) != std::string::npos);
}

TEST_CASE("config: a short session secret is refused, an empty one means random") {
    auto short_secret = parse_command_line({}, {"MAMUTE_MCP_HTTP_SESSION_SECRET=x"});
    REQUIRE_FALSE(short_secret);
    CHECK(short_secret.error().message.find("http.session_secret: use at least 16 characters") != std::string::npos);
    CHECK(parse_command_line({}, {"MAMUTE_MCP_HTTP_SESSION_SECRET="}));
    CHECK(parse_command_line({}, {"MAMUTE_MCP_HTTP_SESSION_SECRET=0123456789abcdef"}));
}
