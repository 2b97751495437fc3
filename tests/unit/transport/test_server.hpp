#pragma once
// A real HttpServer on port 0 with the bundled spec, and blocking-socket helpers, for tests of the
// transport's observability and limits.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <poll.h>
#include <thread>
#include <vector>

#include "observability/metrics.hpp"
#include "transport/http_server.hpp"

namespace mamute::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TestServer {
    asio::io_context io;
    config::Config config;
    std::shared_ptr<observability::Metrics> metrics = std::make_shared<observability::Metrics>();
    std::unique_ptr<transport::HttpServer> server;
    std::vector<std::thread> threads;

    explicit TestServer(config::Config full, unsigned thread_count = 1) : config(std::move(full)) {
        config.http.port = 0;
        auto catalog = catalog::load_catalog({MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"});
        REQUIRE(catalog);
        std::size_t operations = 0;
        for (const auto& spec : catalog->specs) operations += spec->operations.size();
        metrics->set_specs(catalog->specs.size(), operations);
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)),
            std::make_shared<const upstream::Client>(config.upstream), config.upstream, metrics);
        auto dispatcher =
            std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(), config.mcp);
        auto mcp = std::make_shared<const mcp::Server>(
            dispatcher, std::make_shared<mcp::SessionIds>("t", std::chrono::seconds(3600)), config.http);
        server = std::make_unique<transport::HttpServer>(io, config, mcp, metrics);
        server->start();
        for (unsigned i = 0; i < thread_count; ++i) threads.emplace_back([this] { io.run(); });
    }
    ~TestServer() {
        io.stop();
        for (auto& thread : threads) thread.join();
    }

    tcp::socket connect(std::uint16_t port = 0) {
        tcp::socket socket(io);
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                     port ? port : server->local_endpoint().port()));
        return socket;
    }
};

// Reads one response (headers plus Content-Length body) from a blocking socket; what came before
// an error or end of stream otherwise.
inline std::string read_response(tcp::socket& socket) {
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

inline std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}

inline std::string header_value(const std::string& response, const std::string& name) {
    const auto at = response.find(name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + name.size() + 2;
    return response.substr(start, response.find("\r\n", start) - start);
}

inline std::string post_mcp(const std::string& body, const std::string& extra_headers = "") {
    return "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, "
           "text/event-stream\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string get(const std::string& path, const std::string& extra_headers = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

// One request on a fresh connection.
inline std::string round_trip(TestServer& running, const std::string& request, std::uint16_t port = 0) {
    auto socket = running.connect(port);
    asio::write(socket, asio::buffer(request));
    return read_response(socket);
}

inline const std::string initialize_request =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})";

// True when the peer sent something (or closed) within `wait`: used only to check that nothing
// arrives, never to wait for something that will.
inline bool readable_within(tcp::socket& socket, std::chrono::milliseconds wait) {
    pollfd descriptor{socket.native_handle(), POLLIN, 0};
    return ::poll(&descriptor, 1, static_cast<int>(wait.count())) > 0;
}

}  // namespace mamute::test
