// The Beast glue over real loopback sockets: limits, deadlines, keep-alive, request ids.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <boost/json/parse.hpp>
#include <thread>

#include "test_server.hpp"
#include "transport/http_server.hpp"

using namespace mamute;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// The shared TestServer, built from http settings alone.
struct RunningServer : test::TestServer {
    explicit RunningServer(config::HttpConfig http) : TestServer(with_http(std::move(http))) {}
    explicit RunningServer(config::Config full) : TestServer(std::move(full)) {}

    static config::Config with_http(config::HttpConfig http) {
        config::Config config;
        config.http = std::move(http);
        return config;
    }
};

using test::read_response;

std::string post(const std::string& body, const std::string& extra_headers = "",
                 const std::string& accept = "application/json") {
    return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: " + accept + "\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string initialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})";

}  // namespace

TEST_CASE("transport: keep-alive serves several requests and echoes X-Request-Id") {
    RunningServer running(config::HttpConfig{});
    auto socket = running.connect();
    asio::write(socket, asio::buffer(post(initialize, "X-Request-Id: abc-123\r\n")));
    const auto first = read_response(socket);
    CHECK(first.starts_with("HTTP/1.1 200"));
    CHECK(first.find("X-Request-Id: abc-123") != std::string::npos);
    const auto at = first.find("Mcp-Session-Id: ");
    REQUIRE(at != std::string::npos);
    const auto session = first.substr(at + 16, first.find("\r\n", at) - at - 16);

    asio::write(socket, asio::buffer(post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})",
                                          "Mcp-Session-Id: " + session + "\r\n")));
    const auto second = read_response(socket);
    CHECK(second.starts_with("HTTP/1.1 200"));
    CHECK(second.find(R"("result":{})") != std::string::npos);
}

TEST_CASE("transport: an oversized body gets 413 and the server keeps serving") {
    config::HttpConfig http;
    http.max_request_bytes = 1024;
    RunningServer running(http);
    auto socket = running.connect();
    asio::write(socket, asio::buffer(post(std::string(4096, ' '))));
    CHECK(read_response(socket).starts_with("HTTP/1.1 413"));

    auto again = running.connect();
    asio::write(again, asio::buffer(post(initialize)));
    CHECK(read_response(again).starts_with("HTTP/1.1 200"));
}

TEST_CASE("transport: oversized headers get 431, garbage gets 400") {
    config::HttpConfig http;
    http.max_header_bytes = 2048;
    RunningServer running(http);
    auto socket = running.connect();
    asio::write(socket, asio::buffer(post(initialize, "X-Filler: " + std::string(4096, 'x') + "\r\n")));
    CHECK(read_response(socket).starts_with("HTTP/1.1 431"));

    auto garbage = running.connect();
    asio::write(garbage, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
    CHECK(read_response(garbage).starts_with("HTTP/1.1 400"));
}

TEST_CASE("transport: a client that stalls mid-request is disconnected at the read deadline") {
    config::HttpConfig http;
    http.read_timeout = 300ms;
    RunningServer running(http);
    auto socket = running.connect();
    asio::write(socket, asio::buffer(std::string("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
    // Blocks until the server gives up on us and closes: the deadline is awaited, not slept through.
    char byte;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(&byte, 1), ec);
    CHECK(ec == asio::error::eof);
}

namespace {

std::string session_of(const std::string& response) {
    const auto at = response.find("Mcp-Session-Id: ");
    REQUIRE(at != std::string::npos);
    return response.substr(at + 16, response.find("\r\n", at) - at - 16);
}

std::string open_session(RunningServer& running) {
    auto socket = running.connect();
    asio::write(socket, asio::buffer(post(initialize)));
    return session_of(read_response(socket));
}

// Reads a chunked response up to and including the last chunk; returns headers and the de-chunked body.
std::pair<std::string, std::string> read_chunked(tcp::socket& socket) {
    std::string data;
    char chunk[4096];
    for (;;) {
        if (data.find("\r\n0\r\n\r\n") != std::string::npos || data.starts_with("0\r\n\r\n")) break;
        boost::system::error_code ec;
        const auto n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) break;
        data.append(chunk, n);
    }
    const auto header_end = data.find("\r\n\r\n");
    REQUIRE(header_end != std::string::npos);
    std::string headers = data.substr(0, header_end + 4), body;
    std::size_t at = header_end + 4;
    while (at < data.size()) {
        const auto line_end = data.find("\r\n", at);
        if (line_end == std::string::npos) break;
        const auto size = std::stoul(data.substr(at, line_end - at), nullptr, 16);
        if (size == 0) break;
        body += data.substr(line_end + 2, size);
        at = line_end + 2 + size + 2;
    }
    return {headers, body};
}

// A blocking fake upstream on its own thread: accepts `count` connections, reads each request head,
// then answers them all at once, so the MCP requests that caused them were in flight together.
struct HoldingUpstream {
    asio::io_context io;
    tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    std::vector<std::string> request_heads;
    std::thread thread;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }

    void answer_together(std::size_t count) {
        thread = std::thread([this, count] {
            std::vector<tcp::socket> sockets;
            for (std::size_t i = 0; i < count; ++i) {
                sockets.push_back(acceptor.accept());
                std::string head;
                char c;
                while (head.find("\r\n\r\n") == std::string::npos && sockets.back().read_some(asio::buffer(&c, 1)))
                    head.push_back(c);
                request_heads.push_back(head);
            }
            for (std::size_t i = 0; i < count; ++i) {
                const auto& head = request_heads[i];
                const auto path = head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
                const std::string body = R"({"served":")" + path + R"("})";
                asio::write(sockets[i], asio::buffer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
            }
        });
    }
    ~HoldingUpstream() {
        if (thread.joinable()) thread.join();
    }
};

std::string execute_call(const std::string& id, const std::string& resource_id, const std::string& extra_params = "") {
    return R"({"jsonrpc":"2.0","id":)" + id +
           R"(,"method":"tools/call","params":{"name":"execute-request","arguments":{"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":")" +
           resource_id + R"("}})" + extra_params + "}}";
}

}  // namespace

TEST_CASE("transport: progress goes out as SSE events with LF endings, no event names, unbuffered") {
    RunningServer running(config::HttpConfig{});
    const auto session = open_session(running);
    auto socket = running.connect();
    const std::string call =
        R"({"jsonrpc":"2.0","id":"p","method":"tools/call","params":{"name":"list-specs","arguments":{},"_meta":{"progressToken":"tok"}}})";
    asio::write(socket, asio::buffer(post(call, "Mcp-Session-Id: " + session + "\r\n", "application/json, text/event-stream")));
    const auto [headers, body] = read_chunked(socket);
    CHECK(headers.starts_with("HTTP/1.1 200"));
    CHECK(headers.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(headers.find("X-Accel-Buffering: no") != std::string::npos);
    CHECK(headers.find("Transfer-Encoding: chunked") != std::string::npos);
    CHECK(body.find('\r') == std::string::npos);
    CHECK(body.find("event:") == std::string::npos);
    CHECK(body.find("id:") == std::string::npos);

    std::vector<json::value> events;
    for (std::size_t at = 0; at < body.size();) {
        REQUIRE(body.compare(at, 6, "data: ") == 0);
        const auto end = body.find("\n\n", at);
        REQUIRE(end != std::string::npos);
        events.push_back(json::parse(body.substr(at + 6, end - at - 6)));
        at = end + 2;
    }
    REQUIRE(events.size() >= 2);
    CHECK(events.front().at("method") == "notifications/progress");
    CHECK(events.front().at("params").at("progressToken") == "tok");
    CHECK(events.back().at("id") == "p");
    CHECK(events.back().at("result").at("content").as_array().size() == 1);
}

TEST_CASE("transport: a GET stream stays open with keep-alive comments and ends when its session is deleted") {
    auto config = RunningServer::with_http({});
    config.mcp.keepalive_interval = std::chrono::milliseconds(20);
    RunningServer running(config);
    const auto session = open_session(running);

    auto stream = running.connect();
    asio::write(stream, asio::buffer("GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: " +
                                     session + "\r\n\r\n"));
    std::string seen;
    char chunk[1024];
    while (seen.find(": keepalive\n\n") == std::string::npos) seen.append(chunk, stream.read_some(asio::buffer(chunk)));
    CHECK(seen.starts_with("HTTP/1.1 200"));
    CHECK(seen.find("Content-Type: text/event-stream") != std::string::npos);

    auto control = running.connect();
    asio::write(control, asio::buffer("DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nMcp-Session-Id: " + session +
                                      "\r\nContent-Length: 0\r\n\r\n"));
    CHECK(read_response(control).starts_with("HTTP/1.1 200"));

    // The stream ends with the last chunk and the connection closes.
    boost::system::error_code ec;
    while (!ec) {
        const auto n = stream.read_some(asio::buffer(chunk), ec);
        seen.append(chunk, n);
    }
    CHECK(ec == asio::error::eof);
    CHECK(seen.ends_with("0\r\n\r\n"));
}

TEST_CASE("transport: two sessions using the same JSON-RPC id at the same time each get their own answer") {
    HoldingUpstream upstream;
    auto config = RunningServer::with_http({});
    config.upstream.base_url = upstream.url();
    RunningServer running(config);
    const auto first_session = open_session(running);
    const auto second_session = open_session(running);

    upstream.answer_together(2);
    auto first = running.connect();
    auto second = running.connect();
    asio::write(first, asio::buffer(post(execute_call("1", "first"), "Mcp-Session-Id: " + first_session + "\r\n")));
    asio::write(second, asio::buffer(post(execute_call("1", "second"), "Mcp-Session-Id: " + second_session + "\r\n")));
    const auto first_reply = read_response(first);
    const auto second_reply = read_response(second);
    CHECK(first_reply.find(R"(\"served\":\"/cdn/resource/first\")") != std::string::npos);
    CHECK(first_reply.find("second") == std::string::npos);
    CHECK(second_reply.find(R"(\"served\":\"/cdn/resource/second\")") != std::string::npos);
    CHECK(second_reply.find("first") == std::string::npos);
}

TEST_CASE("transport: a client that hangs up cancels its call, and the upstream connection is closed") {
    asio::io_context upstream_io;
    tcp::acceptor silent(upstream_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto config = RunningServer::with_http({});
    config.upstream.base_url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    config.upstream.total_timeout = std::chrono::minutes(5);
    RunningServer running(config);
    const auto session = open_session(running);

    // With a progress token the reply is already an SSE stream when the client hangs up.
    const bool with_progress = GENERATE(false, true);
    CAPTURE(with_progress);
    auto client = running.connect();
    const auto call = with_progress ? execute_call("7", "slow", R"(,"_meta":{"progressToken":"p"})") : execute_call("7", "slow");
    asio::write(client, asio::buffer(post(call, "Mcp-Session-Id: " + session + "\r\n", "application/json, text/event-stream")));
    auto upstream_side = silent.accept();  // the call reached the upstream and waits there
    client.close();

    // Blocks until mamute-mcp gives up the upstream call: awaited, not slept for.
    char byte;
    boost::system::error_code ec;
    while (!ec) upstream_side.read_some(asio::buffer(&byte, 1), ec);
    CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));

    auto again = running.connect();  // and the server keeps serving
    asio::write(again, asio::buffer(post(initialize)));
    CHECK(read_response(again).starts_with("HTTP/1.1 200"));
}

TEST_CASE("transport: duplicate Host or Origin headers, or none on HTTP/1.1, get 400; Expect: 100-continue is honoured") {
    RunningServer running(config::HttpConfig{});
    for (const std::string& headers : std::vector<std::string>{"Host: localhost\r\nHost: evil.example.com\r\n",
                                      "Host: 127.0.0.1\r\nOrigin: http://localhost\r\nOrigin: http://evil.example.com\r\n",
                                      std::string()}) {
        auto socket = running.connect();
        asio::write(socket, asio::buffer("POST /mcp HTTP/1.1\r\n" + headers + "Content-Type: application/json\r\nContent-Length: " +
                                         std::to_string(initialize.size()) + "\r\n\r\n" + initialize));
        CHECK(read_response(socket).starts_with("HTTP/1.1 400"));
    }

    auto socket = running.connect();
    asio::write(socket, asio::buffer("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                     "Expect: 100-continue\r\nContent-Length: " + std::to_string(initialize.size()) + "\r\n\r\n"));
    std::string interim;
    char c;
    while (!interim.ends_with("\r\n\r\n")) interim.push_back((socket.read_some(asio::buffer(&c, 1)), c));
    CHECK(interim.starts_with("HTTP/1.1 100"));
    asio::write(socket, asio::buffer(initialize));
    CHECK(read_response(socket).starts_with("HTTP/1.1 200"));
}

TEST_CASE("transport: an HTTP/1.0 client asking for progress gets plain JSON, never chunked framing") {
    RunningServer running(config::HttpConfig{});
    const auto session = open_session(running);
    auto socket = running.connect();
    const std::string call =
        R"({"jsonrpc":"2.0","id":"p","method":"tools/call","params":{"name":"list-specs","arguments":{},"_meta":{"progressToken":"tok"}}})";
    auto request = post(call, "Mcp-Session-Id: " + session + "\r\n", "application/json, text/event-stream");
    request.replace(request.find("HTTP/1.1"), 8, "HTTP/1.0");
    asio::write(socket, asio::buffer(request));
    const auto response = read_response(socket);
    CHECK(response.starts_with("HTTP/1.0 200"));
    CHECK(response.find("Transfer-Encoding") == std::string::npos);
    CHECK(response.find("Content-Type: application/json") != std::string::npos);
    CHECK(response.find(R"("id":"p")") != std::string::npos);
}
