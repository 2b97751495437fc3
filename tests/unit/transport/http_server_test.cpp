// The Beast glue over real loopback sockets: limits, deadlines, keep-alive, request ids.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "transport/http_server.hpp"

using namespace mamute;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct RunningServer {
    asio::io_context io;
    config::HttpConfig config;
    std::unique_ptr<transport::HttpServer> server;
    std::thread thread;

    explicit RunningServer(config::HttpConfig http) : config(std::move(http)) {
        config.port = 0;
        auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
        REQUIRE(catalog);
        config::UpstreamConfig upstream;
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)),
            std::make_shared<const upstream::Client>(upstream), upstream);
        auto dispatcher = std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(),
                                                                  config::McpConfig{});
        auto mcp = std::make_shared<const mcp::Server>(dispatcher, std::make_shared<mcp::SessionIds>("t", 3600s), config);
        config::Config full;
        full.http = config;
        server = std::make_unique<transport::HttpServer>(io, full, mcp);
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    ~RunningServer() {
        io.stop();
        thread.join();
    }

    tcp::socket connect() {
        tcp::socket socket(io);
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->local_endpoint().port()));
        return socket;
    }
};

// Reads one response (headers plus Content-Length body) from a blocking socket.
std::string read_response(tcp::socket& socket) {
    std::string data;
    char chunk[4096];
    for (;;) {
        const auto header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
            std::size_t length = 0;
            const auto at = data.find("Content-Length: ");
            if (at != std::string::npos && at < header_end) length = std::stoul(data.substr(at + 16));
            if (data.size() >= header_end + 4 + length) return data.substr(0, header_end + 4 + length);
        }
        boost::system::error_code ec;
        const auto n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) return data;
        data.append(chunk, n);
    }
}

std::string post(const std::string& body, const std::string& extra_headers = "") {
    return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\n" +
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
