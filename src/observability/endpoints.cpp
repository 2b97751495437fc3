#include "observability/endpoints.hpp"

#include <string>

namespace mamute::observability {

namespace {

mcp::HttpReply json_reply(unsigned status, std::string body) {
    mcp::HttpReply reply;
    reply.status = status;
    reply.body = std::move(body);
    // Probes must see the current state, never a cached one.
    reply.set_header("Cache-Control", "no-store");
    return reply;
}

}  // namespace

std::optional<mcp::HttpReply> observability_reply(std::string_view method, std::string_view target,
                                                  const ProbeState& state) {
    const auto path = target.substr(0, target.find('?'));
    if (path != "/healthz" && path != "/readyz" && path != "/metrics") return std::nullopt;
    if (method != "GET") {
        auto reply = json_reply(405, R"({"error":"method not allowed"})");
        reply.set_header("Allow", "GET");
        return reply;
    }
    if (path == "/healthz") return json_reply(200, R"({"status":"ok"})");
    if (path == "/readyz") {
        const auto specs = state.metrics.specs();
        const bool ready = state.accepting && specs > 0;
        return json_reply(ready ? 200 : 503, std::string(R"({"status":")") + (ready ? "ready" : "not ready") +
                                                 R"(","specs":)" + std::to_string(specs) + "}");
    }
    auto reply = json_reply(200, state.metrics.render());
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return reply;
}

mcp::HttpReply admin_not_found() { return json_reply(404, R"({"error":"not found"})"); }

}  // namespace mamute::observability
