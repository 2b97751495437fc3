// execute-request against upstreams that fail in every way a network can: each failure is an isError
// result naming its kind, and the same client then serves a healthy upstream as if nothing happened.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "live_upstream.hpp"
#include "schema_check.hpp"

namespace json = boost::json;
using namespace mamute;
using namespace mamute::testing::live;
using mamute::testing::TempFile;

namespace {

constexpr const char* get_resource = R"({"method":"GET","path":"/cdn/resource/42"})";

config::UpstreamConfig fault_config(const std::string& ca_file = "") {
    config::UpstreamConfig config;
    config.connect_timeout = std::chrono::milliseconds(1000);
    config.tls_timeout = std::chrono::milliseconds(1000);
    config.total_timeout = std::chrono::milliseconds(1000);
    config.max_response_bytes = 4096;
    config.ca_file = ca_file;
    return config;
}

// The error text of a failed call, parsed: {request, error, kind}.
json::object failure(const toolset::ToolResult& result) {
    const auto text = testing::error_only(result);
    INFO(text);
    const auto parsed = json::parse(text);
    REQUIRE(parsed.is_object());
    return parsed.as_object();
}

void check_healthy(Rig& rig, Listener& healthy) {
    INFO("healthy upstream " << healthy.url());
    const auto before = healthy.seen.size();
    const auto result = rig.call(healthy.url(), get_resource);
    const auto out = testing::structured_ok(toolset::execute_request_definition(), result);
    CHECK(out.at("status") == 200);
    CHECK(out.at("body") == json::parse(R"({"ok": true})"));
    CHECK(healthy.seen.size() == before + 1);
}

struct Fault {
    std::string what;
    std::string base_url;
    std::string kind;
    std::string message;  // a part of the error text that says what went wrong
};

}  // namespace

TEST_CASE("execute-request fault matrix: every failure names its kind, and the client recovers", "[toolset][faults]") {
    // One CA file trusts three unrelated self-signed certificates: a good one, an expired one, and one for
    // another host.
    const auto good = resigned(testing::make_certificate("IP:127.0.0.1"), "mamute healthy", -60, 3600);
    const auto expired = resigned(testing::make_certificate("IP:127.0.0.1"), "mamute expired", -7200, -3600);
    const auto elsewhere = resigned(testing::make_certificate("DNS:other.example"), "mamute elsewhere", -60, 3600);
    const TempFile ca("mamute-faults-ca", good.cert_pem + expired.cert_pem + elsewhere.cert_pem);
    const auto good_tls = server_tls(good);
    const auto expired_tls = server_tls(expired);
    const auto elsewhere_tls = server_tls(elsewhere);

    Rig rig(fault_config(ca.path.string()));
    auto listener = [&](Act act, boost::asio::ssl::context* tls = nullptr) {
        auto l = std::make_unique<Listener>(rig.io);
        l->act = act;
        l->tls = tls;
        l->start();
        return l;
    };
    const auto ok = [](const Seen&) { return response_bytes(200, "OK", R"({"ok": true})"); };
    auto healthy = listener(Act::respond);
    healthy->respond = ok;
    auto healthy_tls = listener(Act::respond, good_tls.get());
    healthy_tls->respond = ok;
    check_healthy(rig, *healthy);
    check_healthy(rig, *healthy_tls);

    auto reset = listener(Act::reset);
    auto garbage = listener(Act::garbage);
    auto silent = listener(Act::silent);
    auto huge = listener(Act::respond);
    huge->respond = [](const Seen&) { return response_bytes(200, "OK", std::string(40960, 'x'), "", "text/plain"); };
    auto huge_chunked = listener(Act::respond);
    huge_chunked->respond = [](const Seen&) {
        std::string chunks = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 40; ++i) chunks += "400\r\n" + std::string(1024, 'y') + "\r\n";
        return chunks + "0\r\n\r\n";
    };
    auto reset_tls = listener(Act::reset, good_tls.get());
    auto garbage_tls = listener(Act::garbage, good_tls.get());
    auto silent_tls = listener(Act::silent, good_tls.get());
    auto expired_cert = listener(Act::respond, expired_tls.get());
    auto other_host_cert = listener(Act::respond, elsewhere_tls.get());
    auto plain_on_https = listener(Act::respond);  // speaks HTTP to a TLS client
    auto hangs_up = listener(Act::hang_up);
    const auto https_of = [](const Listener& l) { return "https://127.0.0.1:" + std::to_string(l.port()); };

    const std::vector<Fault> faults = {
        {"connection refused", "http://127.0.0.1:" + std::to_string(closed_port(rig.io)), "connect", "cannot connect"},
        {"reset mid-response", reset->url(), "receive", "reset"},
        {"not HTTP", garbage->url(), "protocol", "invalid HTTP response"},
        {"never answers", silent->url(), "timeout", "timed out after 1000 ms"},
        {"10x max_response_bytes", huge->url(), "too_large", "larger than 4096 bytes"},
        {"10x max_response_bytes, chunked", huge_chunked->url(), "too_large", "larger than 4096 bytes"},
        {"closes without answering", hangs_up->url(), "receive", "closed the connection"},
        {"TLS: reset mid-response", reset_tls->url(), "receive", ""},
        {"TLS: not HTTP", garbage_tls->url(), "protocol", "invalid HTTP response"},
        {"TLS: never answers", silent_tls->url(), "timeout", "timed out after 1000 ms"},
        {"TLS: expired certificate", expired_cert->url(), "tls", "certificate has expired"},
        {"TLS: certificate for another host", other_host_cert->url(), "tls", "IP address mismatch"},
        {"TLS: the server speaks plain HTTP", https_of(*plain_on_https), "tls", "TLS handshake with 127.0.0.1"},
    };
    for (const auto& fault : faults) {
        INFO(fault.what << " at " << fault.base_url);
        const auto out = failure(rig.call(fault.base_url, get_resource));
        CHECK(out.at("kind").as_string() == fault.kind);
        CHECK_THAT(std::string(out.at("error").as_string()), Catch::Contains(fault.message, Catch::CaseSensitive::No));
        CHECK(out.at("request").as_string() == "GET " + fault.base_url + "/cdn/resource/42");
        check_healthy(rig, *healthy);
        check_healthy(rig, *healthy_tls);
    }
    // Each faulty upstream was really reached, once: the failures are theirs, not the client's.
    for (const auto* l : {reset.get(), garbage.get(), silent.get(), huge.get(), reset_tls.get(), garbage_tls.get(),
                          silent_tls.get(), expired_cert.get(), other_host_cert.get(), plain_on_https.get(),
                          hangs_up.get()})
        CHECK(l->accepts == 1);
    CHECK(reset->seen.size() == 1);
    CHECK(expired_cert->seen.empty());  // the handshake failed: no request was sent
    CHECK(other_host_cert->seen.empty());
}

TEST_CASE("execute-request: a redirect to another host is returned, not followed", "[toolset][faults]") {
    Rig rig(fault_config());
    Listener trap(rig.io);
    trap.act = Act::close;
    trap.start();
    Listener upstream(rig.io);
    const auto trap_origin = "http://127.0.0.1:" + std::to_string(trap.port());
    upstream.respond = [&](const Seen& request) {
        if (request.target() == "/cdn/resource/7")
            return response_bytes(302, "Found", "", "Location: " + trap_origin + "/cdn/resource/42\r\n");
        if (request.target() == "/cdn/resource/8")  // permanent, and scheme-relative
            return response_bytes(308, "Permanent Redirect", "", "Location: //127.0.0.1:" + std::to_string(trap.port()) + "/y\r\n");
        return response_bytes(200, "OK", R"({"ok": true})");
    };
    upstream.start();

    const auto found = rig.call(upstream.url(), R"({"method":"GET","path":"/cdn/resource/7"})");
    const auto out = testing::structured_ok(toolset::execute_request_definition(), found);
    CHECK(out.at("status") == 302);
    CHECK(out.at("headers").at("location").as_string() == trap_origin + "/cdn/resource/42");
    CHECK(out.at("note").as_string() == "redirect to " + trap_origin + "/cdn/resource/42 was not followed: it leaves " + upstream.url() +
                                " (only same-origin redirects are followed; call it yourself if it is one of the spec's "
                                "servers)");
    CHECK_FALSE(out.contains("redirects"));

    const auto permanent = rig.call(upstream.url(), R"({"method":"GET","path":"/cdn/resource/8"})");
    const auto permanent_out = testing::structured_ok(toolset::execute_request_definition(), permanent);
    CHECK(permanent_out.at("status") == 308);
    CHECK_THAT(std::string(permanent_out.at("note").as_string()),
               Catch::StartsWith("redirect to //127.0.0.1:" + std::to_string(trap.port()) + "/y was not followed: it leaves"));

    check_healthy(rig, upstream);
    CHECK(upstream.accepts == 3);
    CHECK(trap.connections() == 0);
}

TEST_CASE("execute-request: a silent upstream holds up no other call", "[toolset][faults]") {
    auto config = fault_config();
    config.total_timeout = std::chrono::milliseconds(5'000);
    Rig rig(config);
    Listener silent(rig.io);
    silent.act = Act::silent;
    silent.start();
    Listener healthy(rig.io);
    healthy.respond = [](const Seen&) { return response_bytes(200, "OK", R"({"ok": true})"); };
    healthy.start();

    // Both calls run on one thread: the healthy one must finish while the silent one still waits.
    std::optional<toolset::ToolResult> stuck, quick;
    const auto args = json::parse(R"({"method":"GET","path":"/cdn/resource/1"})").as_object();
    auto silent_config = rig.config, healthy_config = rig.config;
    silent_config.base_url = silent.url();
    healthy_config.base_url = healthy.url();
    const toolset::CallContext no_credentials;  // named: GCC 12 frees a braced temporary across co_await twice
    auto spawn = [&](const config::UpstreamConfig& call_config, std::optional<toolset::ToolResult>& out) {
        boost::asio::co_spawn(
            rig.io,
            [&]() -> boost::asio::awaitable<void> {
                out = co_await toolset::execute_request(rig.catalog, *rig.client, call_config, args, no_credentials);
            },
            boost::asio::detached);
    };
    spawn(silent_config, stuck);
    spawn(healthy_config, quick);
    rig.io.restart();
    while (!quick && rig.io.run_one() > 0) {
    }
    REQUIRE(quick);
    CHECK_FALSE(quick->is_error);
    CHECK_FALSE(stuck.has_value());  // still waiting for its answer
    while (!stuck && rig.io.run_one() > 0) {
    }
    REQUIRE(stuck);
    CHECK(stuck->is_error);
}
