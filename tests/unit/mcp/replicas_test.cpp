// Scale-out without sticky sessions: replicas that share only the session secret serve one
// client's session, whichever of them gets each request.
#include <catch2/catch.hpp>

#include "test_node.hpp"

using namespace mamute;
using testing::TestNode;
using namespace std::chrono_literals;

namespace {
std::string ping(int id) { return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"ping"})"; }
}  // namespace

TEST_CASE("replicas: a session started on A is served by B and A alike", "[mcp][replicas]") {
    TestNode a;
    TestNode b;  // the same secret, nothing else shared
    TestNode stranger({}, "another-secret");

    const auto session = a.initialize();
    REQUIRE_FALSE(session.empty());

    CHECK(b.send(TestNode::post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session)).status == 202);
    auto list = b.send(TestNode::post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", session));
    REQUIRE(list.status == 200);
    CHECK(TestNode::body(list).at("result").at("tools").as_array().size() == 6);

    auto call = a.send(TestNode::post(TestNode::tools_call(3), session));
    REQUIRE(call.status == 200);
    CHECK(TestNode::body(call).at("result").at("content").as_array().size() == 1);

    auto set_level = b.send(
        TestNode::post(R"({"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"debug"}})", session));
    REQUIRE(set_level.status == 200);
    CHECK(TestNode::body(set_level).at("result").as_object().empty());
    // The level lives where it was set; A falls back to sending no log messages.
    CHECK(b.state->log_level(session) == mcp::LogLevel::debug);
    CHECK_FALSE(a.state->log_level(session));

    auto call_on_b = b.send(TestNode::post(TestNode::tools_call(5), session));
    CHECK(call_on_b.status == 200);
    CHECK(TestNode::body(call_on_b).at("result").at("content").as_array().size() == 1);

    // Cancelling a call another replica runs is ignored, not an error.
    CHECK(a.send(TestNode::post(
                     R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}})", session))
              .status == 202);
    auto stream = b.send(TestNode::with_method(TestNode::post("", session), "GET"));
    CHECK(stream.status == 200);
    CHECK(stream.open_stream_for_session == session);
    CHECK(a.send(TestNode::post(ping(6), session)).status == 200);
    CHECK(b.send(TestNode::post(ping(7), session)).status == 200);
    CHECK(a.server.active_sessions() == 1);
    CHECK(b.server.active_sessions() == 1);

    // A secret the id was not signed with: unknown session.
    auto foreign = stranger.send(TestNode::post(ping(8), session));
    CHECK(foreign.status == 404);
    CHECK(TestNode::error_code(foreign) == -32001);
    CHECK(stranger.server.active_sessions() == 0);

    CHECK(b.send(TestNode::with_method(TestNode::post("", session), "DELETE")).status == 200);
    CHECK(b.send(TestNode::post(ping(9), session)).status == 404);
    CHECK(b.server.active_sessions() == 0);
    // Ended sessions are remembered per replica: A still serves the id until its lifetime ends
    // (see server.hpp). The client that deleted it does not send it again.
    CHECK(a.send(TestNode::post(ping(10), session)).status == 200);
    CHECK(a.send(TestNode::with_method(TestNode::post("", session), "DELETE")).status == 200);
    CHECK(a.send(TestNode::post(ping(11), session)).status == 404);
}

TEST_CASE("replicas: the negotiated revision travels in the id", "[mcp][replicas]") {
    TestNode a;
    TestNode b;
    const auto session = a.initialize(TestNode::post(TestNode::initialize_body("2025-03-26")));
    // Batches are for 2025-03-26 sessions only: B knows this one is, without having seen initialize.
    auto batch = b.send(TestNode::post("[" + ping(1) + "," + ping(2) + "]", session));
    CHECK(batch.status == 200);
    CHECK(TestNode::body(batch).as_array().size() == 2);

    const auto newer = a.initialize();
    CHECK(b.send(TestNode::post("[" + ping(1) + "]", newer)).status == 400);
}

TEST_CASE("replicas: a replica with no room for another's session answers 503, not 404", "[mcp][replicas]") {
    config::HttpConfig small;
    small.max_sessions = 1;
    TestNode a;
    TestNode b(small);
    const auto own = b.initialize();
    const auto other = a.initialize();
    auto busy = b.send(TestNode::post(ping(1), other));
    CHECK(busy.status == 503);
    CHECK(TestNode::body(busy).at("id") == 1);
    CHECK(b.send(TestNode::post(ping(2), own)).status == 200);
    CHECK(b.send(TestNode::with_method(TestNode::post("", own), "DELETE")).status == 200);
    CHECK(b.send(TestNode::post(ping(3), other)).status == 200);
}
