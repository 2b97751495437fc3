#pragma once
// One immutable configuration, built at start-up and passed to every component.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mamute::config {

struct HttpConfig {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 picks a free port
    // Exact origins ("https://app.example.com") or "http://localhost:*"-style wildcards on the port.
    std::vector<std::string> allowed_origins = {"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*",
                                                "https://localhost:*", "https://127.0.0.1:*", "https://[::1]:*"};
    // Host names accepted in the Host header (DNS-rebinding protection). Empty: the loopback names
    // when bound to a loopback address, any host otherwise (a proxy in front decides).
    std::vector<std::string> allowed_hosts;
    std::size_t max_request_bytes = 1024 * 1024;
    std::size_t max_header_bytes = 16 * 1024;
    // Past this many open connections the listener stops accepting until one closes.
    std::size_t max_connections = 10'000;
    // Bounds reading one whole request, headers and body: a slow client cannot hold a connection longer.
    std::chrono::milliseconds read_timeout{30'000};
    // How long a kept-alive connection may wait idle for its next request.
    std::chrono::milliseconds idle_timeout{60'000};
    unsigned threads = 0;  // 0: one per core
    std::chrono::seconds session_lifetime{24 * 3600};
    // Sessions this replica tracks at once, and how long one may stay unused before it ends.
    std::size_t max_sessions = 10'000;
    std::chrono::seconds session_idle_timeout{3600};
    // Signs session ids. Replicas behind one load balancer must share it; empty: random per process.
    std::string session_secret;
    // When set, every request must carry "Authorization: Bearer <token>" (compared in constant time);
    // that Authorization header is then not forwarded to the API.
    std::string auth_token;
    // tools/call per client (API key, else address) and minute; 0 turns the limit off.
    unsigned rate_limit_per_minute = 0;
    unsigned rate_limit_burst = 20;
    // Take the client address from X-Forwarded-For (only behind a proxy that sets it).
    bool trust_forwarded_for = false;
    // On SIGTERM/SIGINT: stop accepting, give requests in flight this long, then close everything.
    std::chrono::milliseconds shutdown_timeout{10'000};
    // /healthz, /readyz and /metrics also on their own listener (port 0 picks a free one); always on the main port.
    std::optional<std::uint16_t> admin_port;
    std::string admin_bind = "127.0.0.1";

    bool operator==(const HttpConfig&) const = default;
};

struct LogConfig {
    std::string level = "info";  // trace, debug, info, warn, error, critical, off
    std::string format = "text";  // text, or json: one object per line
    bool access = true;           // one line per HTTP request
};

struct UpstreamConfig {
    // Send live calls here instead of the spec's servers (staging, mirrors, tests).
    std::optional<std::string> base_url;
    std::string ca_file;  // extra CA bundle (PEM) trusted besides the system store
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds tls_timeout{10'000};  // the TLS handshake, after the TCP connect
    std::chrono::milliseconds total_timeout{30'000};  // the whole call, redirects included
    std::size_t max_response_bytes = 8 * 1024 * 1024;
    std::size_t max_request_body_bytes = 8 * 1024 * 1024;  // after encoding (base64 decoded, multipart built)
    // Same-origin redirects followed per call; a redirect to another origin is never followed.
    unsigned max_redirects = 5;
    // Idle keep-alive connections kept per origin (0: a new connection per call), and for how long.
    std::size_t pool_max_idle_per_origin = 8;
    std::chrono::milliseconds pool_idle_timeout{30'000};
    // Headers of the MCP request forwarded to the API as credentials: only to the spec's servers,
    // never logged, redacted wherever echoed.
    std::vector<std::string> credential_headers = {"X-API-Key", "Authorization"};
    // Bodies longer than this are cut in tool results (the agent is told how much was cut).
    std::size_t max_result_body_bytes = 64 * 1024;
};

struct McpConfig {
    std::size_t tools_page_size = 100;
    // While a tool call runs, a client that sent a progressToken hears from us this often.
    std::chrono::milliseconds progress_interval{1'000};
    // Comment lines on an idle GET stream keep proxies from closing it.
    std::chrono::milliseconds keepalive_interval{15'000};
};

// `--stdio`: one client on stdin/stdout instead of the HTTP listener. Over stdio the client cannot
// send headers, so the credentials execute-request forwards come from flags or the environment.
struct StdioConfig {
    bool enabled = false;
    std::optional<std::string> api_key;       // sent as X-API-Key (--api-key, MAMUTECLOUD_API_KEY)
    std::optional<std::string> bearer_token;  // sent as Authorization: Bearer (--bearer-token, MAMUTECLOUD_BEARER_TOKEN)
};

struct Config {
    HttpConfig http;
    StdioConfig stdio;
    McpConfig mcp;
    UpstreamConfig upstream;
    LogConfig log;
    std::vector<std::string> specs;  // files or folders; empty: the bundled MamuteCloud spec
};

}  // namespace mamute::config
