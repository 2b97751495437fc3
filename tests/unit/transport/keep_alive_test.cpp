#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "test_server.hpp"

using namespace mamute;
using namespace mamute::test;

// Regression: after a request was read, asio may report the socket readable with nothing to read; the
// hang-up watch then did a blocking peek that held an I/O thread (and the connection's reply) until the
// client sent more or left. Sequential keep-alive requests on several threads showed it within a few
// hundred requests.
TEST_CASE("transport: thousands of sequential keep-alive requests on two threads are all answered", "[transport]") {
    TestServer running(config::Config{}, 2);
    auto socket = running.connect();
    boost::asio::write(socket, boost::asio::buffer(post_mcp(initialize_request)));
    const auto initialized = read_response(socket);
    const auto session = header_value(initialized, "Mcp-Session-Id");
    REQUIRE_FALSE(session.empty());
    const std::string call = post_mcp(
        R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-endpoint","arguments":{"method":"GET","path":"/cdn/resource/{id}"}}})",
        "Mcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: 2025-11-25\r\n");
    int answered = 0;
    for (int i = 0; i < 3000; ++i) {
        boost::asio::write(socket, boost::asio::buffer(call));
        // A generous bound that only a stalled reply can exceed: this detects a hang, it times nothing.
        if (!readable_within(socket, std::chrono::seconds(10))) break;
        const auto response = read_response(socket);
        if (response.rfind("HTTP/1.1 200", 0) != 0) break;
        ++answered;
    }
    CHECK(answered == 3000);
}
