// The stdio transport over two pipes: the test writes the client's lines and reads the server's,
// with poll() deadlines instead of sleeps; the server runs on a two-thread io_context.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <csignal>
#include <future>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "transport/stdio_server.hpp"

using namespace mamute;
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto wait_limit = 10s;  // only reached when something is broken

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
}

bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, remaining_ms(deadline)) > 0;
}

// An upstream that accepts one connection, reads the request head and never answers.
struct SilentUpstream {
    int listener = -1;
    int connection = -1;
    std::uint16_t port = 0;

    SilentUpstream() {
        listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 4) == 0);
        socklen_t length = sizeof address;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
        port = ntohs(address.sin_port);
    }
    ~SilentUpstream() {
        if (connection >= 0) ::close(connection);
        ::close(listener);
    }

    std::string read_request_head() {
        const auto deadline = std::chrono::steady_clock::now() + wait_limit;
        REQUIRE(wait_readable(listener, deadline));
        connection = ::accept(listener, nullptr, nullptr);
        REQUIRE(connection >= 0);
        std::string head;
        char chunk[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
            REQUIRE(wait_readable(connection, deadline));
            const auto n = ::read(connection, chunk, sizeof chunk);
            REQUIRE(n > 0);
            head.append(chunk, static_cast<std::size_t>(n));
        }
        return head;
    }
};

struct Harness {
    asio::io_context io{2};
    int to_server[2] = {-1, -1};
    int from_server[2] = {-1, -1};
    std::shared_ptr<transport::StdioServer> server;
    std::future<void> done;
    std::vector<std::thread> threads;
    std::string received;

    explicit Harness(transport::StdioSettings settings = {}, config::UpstreamConfig upstream = {}) {
        std::signal(SIGPIPE, SIG_IGN);
        REQUIRE(::pipe(to_server) == 0);
        REQUIRE(::pipe(from_server) == 0);
        auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
        REQUIRE(catalog);
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)),
            std::make_shared<const upstream::Client>(upstream), upstream);
        config::McpConfig mcp;
        mcp.progress_interval = 60s;  // only the "started" progress message, no ticks
        auto dispatcher = std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(), mcp);
        // The server owns its ends of the pipes.
        server = std::make_shared<transport::StdioServer>(io.get_executor(), to_server[0], from_server[1], dispatcher,
                                                          std::move(settings));
        done = asio::co_spawn(io, server->run(), asio::use_future);
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
    }
    ~Harness() {
        close_input();
        if (done.wait_for(wait_limit) != std::future_status::ready) io.stop();
        for (auto& thread : threads) thread.join();
        ::close(from_server[0]);
    }

    void write(const std::string& text) {
        std::size_t at = 0;
        while (at < text.size()) {
            const auto n = ::write(to_server[1], text.data() + at, text.size() - at);
            REQUIRE(n > 0);
            at += static_cast<std::size_t>(n);
        }
    }
    void send(const std::string& line) { write(line + "\n"); }
    void close_input() {
        if (to_server[1] >= 0) ::close(to_server[1]);
        to_server[1] = -1;
    }

    // The next line the server wrote, as JSON.
    json::value read() {
        const auto deadline = std::chrono::steady_clock::now() + wait_limit;
        for (;;) {
            if (const auto newline = received.find('\n'); newline != std::string::npos) {
                const auto line = received.substr(0, newline);
                received.erase(0, newline + 1);
                INFO(line);
                CHECK(line.find('\r') == std::string::npos);
                return json::parse(line);
            }
            REQUIRE(wait_readable(from_server[0], deadline));
            char chunk[65536];
            const auto n = ::read(from_server[0], chunk, sizeof chunk);
            REQUIRE(n > 0);
            received.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void initialize(const std::string& version = "2025-11-25") {
        send(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" + version +
             R"(","capabilities":{},"clientInfo":{"name":"test","version":"1"}}})");
        const auto reply = read();
        REQUIRE(reply.at("id") == 0);
        CHECK(reply.at("result").at("protocolVersion") == version.c_str());
    }

    bool finished_within(std::chrono::milliseconds limit) {
        return done.wait_for(limit) == std::future_status::ready;
    }
};

std::string call(const std::string& id, const std::string& tool, const std::string& arguments,
                 const std::string& meta = "") {
    return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":")" + tool +
           R"(","arguments":)" + arguments + (meta.empty() ? "" : R"(,"_meta":)" + meta) + "}}";
}

}  // namespace

TEST_CASE("stdio: initialize, tools/list and ping, one compact line each") {
    Harness h;
    h.send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}})");
    const auto init = h.read();
    CHECK(init.at("id") == 1);
    CHECK(init.at("result").at("protocolVersion") == "2024-11-05");
    CHECK(init.at("result").at("serverInfo").at("name") == "mamute-mcp");
    CHECK(init.at("result").at("capabilities").as_object().contains("tools"));

    h.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    h.send(R"({"jsonrpc":"2.0","id":"t","method":"tools/list"})");
    const auto list = h.read();  // the notification got no answer: this is the next line
    CHECK(list.at("id") == "t");
    CHECK(list.at("result").at("tools").as_array().size() == 6);

    h.send("\r");  // blank lines (and a CRLF client's line ends) are ignored
    h.send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})" "\r");
    CHECK(h.read() == json::parse(R"({"jsonrpc":"2.0","id":2,"result":{}})"));

    // An unknown revision is answered with ours; a second initialize is refused.
    h.send(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2030-01-01"}})");
    CHECK(h.read().at("error").at("code") == -32600);

    h.close_input();
    CHECK(h.finished_within(wait_limit));
}

TEST_CASE("stdio: an unknown revision negotiates to the latest; initialize needs protocolVersion") {
    Harness h;
    h.send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");
    CHECK(h.read().at("error").at("code") == -32602);
    h.send(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2030-01-01"}})");
    CHECK(h.read().at("result").at("protocolVersion") == "2025-11-25");
}

TEST_CASE("stdio: requests before initialize are answered") {
    Harness h;
    h.send(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
    CHECK(h.read().at("result") == json::object{});
    h.initialize();
}

TEST_CASE("stdio: bad lines get JSON-RPC errors and the server keeps going") {
    Harness h;
    h.initialize();
    h.send("this is not json");
    auto parse = h.read();
    CHECK(parse.at("id").is_null());
    CHECK(parse.at("error").at("code") == -32700);

    h.send(R"({"jsonrpc":"2.0","id":7})");
    auto invalid = h.read();
    CHECK(invalid.at("id") == 7);
    CHECK(invalid.at("error").at("code") == -32600);

    h.send(R"({"jsonrpc":"1.0","id":8,"method":"ping"})");
    CHECK(h.read().at("error").at("code") == -32600);

    h.send(R"({"jsonrpc":"2.0","id":9,"method":"no/such"})");
    CHECK(h.read().at("error").at("code") == -32601);

    h.send("\xff\xfe{}");  // not UTF-8
    CHECK(h.read().at("error").at("code") == -32700);

    // A name twice in one object: what the parser keeps (the last) is not what a reader may see (the first).
    h.send(R"({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"list-specs","name":"execute-request"}})");
    auto twice = h.read();
    CHECK(twice.at("error").at("code") == -32600);
    CHECK_THAT(std::string(twice.at("error").at("message").as_string()), Catch::Contains("\"name\" appears twice"));

    // A client's response is accepted silently.
    h.send(R"({"jsonrpc":"2.0","id":"x","result":{}})");
    h.send(R"({"jsonrpc":"2.0","id":10,"method":"ping"})");
    CHECK(h.read().at("id") == 10);
}

TEST_CASE("stdio: over-long lines are refused and skipped, short or spread over many reads") {
    transport::StdioSettings settings;
    settings.max_line_bytes = 1024;
    Harness h(settings);
    h.initialize();

    // Arrives in one read.
    h.send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" + std::string(2000, 'x') + "\"}}");
    auto refused = h.read();
    CHECK(refused.at("id").is_null());
    CHECK(refused.at("error").at("code") == -32600);
    h.send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
    CHECK(h.read().at("id") == 2);

    // Larger than a read and a pipe buffer: refused before its end arrives, the rest dropped. A
    // following message in the same write survives.
    h.write(std::string(300'000, 'y') + "\n" R"({"jsonrpc":"2.0","id":3,"method":"ping"})" "\n");
    CHECK(h.read().at("error").at("code") == -32600);
    CHECK(h.read().at("id") == 3);

    // Exactly the limit is fine.
    std::string exact = R"({"jsonrpc":"2.0","id":4,"method":"ping","params":{"pad":"")" "}}";
    exact.insert(exact.find("\"\"") + 1, std::string(1024 - exact.size(), 'z'));
    REQUIRE(exact.size() == 1024);
    h.send(exact);
    CHECK(h.read().at("id") == 4);
}

TEST_CASE("stdio: a slow tool call does not hold up others, and notifications/cancelled stops it") {
    SilentUpstream upstream;
    config::UpstreamConfig upstream_config;
    upstream_config.base_url = "http://127.0.0.1:" + std::to_string(upstream.port);
    transport::StdioSettings settings;
    settings.credentials = {{"X-API-Key", "mk_stdio_secret"}};
    Harness h(settings, upstream_config);
    h.initialize();

    h.send(call(R"("slow")", "execute-request", R"({"method":"GET","path":"/cdn/resource"})",
                R"({"progressToken":"p1"})"));
    // The call is registered (and cancellable) once it reports progress 0.
    auto started = h.read();
    CHECK(started.at("method") == "notifications/progress");
    CHECK(started.at("params").at("progressToken") == "p1");
    auto head = upstream.read_request_head();
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    CHECK(head.find("x-api-key: mk_stdio_secret\r\n") != std::string::npos);

    // Overtaken by a ping and a quick tool call, both sent after it.
    h.send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
    CHECK(h.read().at("id") == 2);
    h.send(call("3", "list-specs", "{}"));
    auto quick = h.read();
    CHECK(quick.at("id") == 3);
    const auto* quick_error = quick.at("result").as_object().if_contains("isError");
    CHECK((!quick_error || *quick_error == false));

    h.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow","reason":"test"}})");
    auto cancelled = h.read();
    CHECK(cancelled.at("id") == "slow");
    CHECK(cancelled.at("result").at("isError") == true);
    CHECK(json::serialize(cancelled).find("cancelled") != std::string::npos);
    CHECK(json::serialize(cancelled).find("mk_stdio_secret") == std::string::npos);
}

TEST_CASE("stdio: many concurrent calls all get exactly one answer") {
    Harness h;
    h.initialize();
    std::string burst;
    for (int i = 1; i <= 40; ++i)
        burst += (i % 2 ? call(std::to_string(i), "search-endpoints", R"({"pattern":"purge cache"})")
                        : R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"ping"})") +
                 "\n";
    h.write(burst);
    std::set<std::int64_t> ids;
    for (int i = 1; i <= 40; ++i) {
        auto reply = h.read();
        CHECK(reply.as_object().contains("result"));
        ids.insert(reply.at("id").as_int64());
    }
    CHECK(ids.size() == 40);
}

TEST_CASE("stdio: logging/setLevel turns on log notifications for the stdio client") {
    Harness h;
    h.initialize();
    h.send(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"info"}})");
    CHECK(h.read().at("result") == json::object{});
    h.send(call("2", "list-specs", "{}"));
    auto first = h.read();
    CHECK(first.at("method") == "notifications/message");
    CHECK(first.at("params").at("data").at("event") == "started");
    CHECK(h.read().at("method") == "notifications/message");
    CHECK(h.read().at("id") == 2);
}

TEST_CASE("stdio: batches only under 2025-03-26") {
    SECTION("2025-03-26") {
        Harness h;
        h.initialize("2025-03-26");
        h.send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},)"
               R"({"jsonrpc":"2.0","id":2,"method":"tools/list"},{"jsonrpc":"2.0","id":3,"method":"initialize"},{"x":1}])");
        auto replies = h.read();
        REQUIRE(replies.is_array());
        REQUIRE(replies.as_array().size() == 4);
        CHECK(replies.at(0).at("id") == 1);
        CHECK(replies.at(1).at("result").at("tools").as_array().size() == 6);
        CHECK(replies.at(2).at("error").at("code") == -32600);
        CHECK(replies.at(3).at("error").at("code") == -32600);
        h.send("[]");
        CHECK(h.read().at("error").at("code") == -32600);
        h.send(R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])");  // nothing to answer
        h.send(R"({"jsonrpc":"2.0","id":4,"method":"ping"})");
        CHECK(h.read().at("id") == 4);
    }
    SECTION("2025-11-25") {
        Harness h;
        h.initialize();
        h.send(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
        auto refused = h.read();
        CHECK(refused.at("id").is_null());
        CHECK(refused.at("error").at("code") == -32600);
    }
}

TEST_CASE("stdio: end of input lets answers out, then run() returns") {
    Harness h;
    h.initialize();
    // Sent together with the end of input: still answered.
    h.send(call("1", "search-endpoints", R"({"pattern":"create bucket"})"));
    h.close_input();
    CHECK(h.read().at("id") == 1);
    CHECK(h.finished_within(wait_limit));
}

TEST_CASE("stdio: a call still running at the drain deadline is cancelled and run() returns") {
    SilentUpstream upstream;
    config::UpstreamConfig upstream_config;
    upstream_config.base_url = "http://127.0.0.1:" + std::to_string(upstream.port);
    transport::StdioSettings settings;
    settings.drain_timeout = 200ms;
    Harness h(settings, upstream_config);
    h.initialize();
    h.send(call("1", "execute-request", R"({"method":"GET","path":"/cdn/resource"})"));
    upstream.read_request_head();
    const auto closed_at = std::chrono::steady_clock::now();
    h.close_input();
    REQUIRE(h.finished_within(wait_limit));
    CHECK(std::chrono::steady_clock::now() - closed_at < 5s);
}

TEST_CASE("stdio: stop() ends the server like end of input") {
    Harness h;
    h.initialize();
    h.server->stop();
    CHECK(h.finished_within(wait_limit));
}

TEST_CASE("stdio: credentials from the stdio config") {
    config::StdioConfig config;
    CHECK(transport::stdio_credentials(config).empty());
    config.api_key = "k1";
    config.bearer_token = "t1";
    CHECK(transport::stdio_credentials(config) ==
          upstream::HeaderList{{"X-API-Key", "k1"}, {"Authorization", "Bearer t1"}});
    config.api_key.reset();
    config.bearer_token = "Bearer t2";
    CHECK(transport::stdio_credentials(config) == upstream::HeaderList{{"Authorization", "Bearer t2"}});
}
