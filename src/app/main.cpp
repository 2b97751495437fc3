// mamute-mcp: parse the command line, load the specs, serve until a signal arrives (or, with
// --stdio, until the client closes our stdin).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "catalog/catalog.hpp"
#include "common/log.hpp"
#include "config/command_line.hpp"
#include "mcp/server.hpp"
#include "mcp/session_ids.hpp"
#include "observability/metrics.hpp"
#include "toolset/toolset.hpp"
#include "transport/http_server.hpp"
#include "transport/stdio_server.hpp"
#include "upstream/client.hpp"

#ifndef MAMUTE_DEFAULT_SPEC
#define MAMUTE_DEFAULT_SPEC MAMUTE_SOURCE_DIR "/spec/mamutecloud.openapi.json"
#endif

namespace {

constexpr int exit_usage = 2;

std::string display_address(const boost::asio::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address().to_string();
    return endpoint.address().is_v6() ? "[" + address + "]" : address;
}

// Each connection costs a descriptor; the default soft limit (often 1024) would run out long before
// max_connections. Raise it to the hard limit, and keep max_connections below what we then have.
void fit_connections_to_descriptors(mamute::config::HttpConfig& http) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    constexpr rlim_t reserved = 64;  // spec files, upstream calls, logs
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur > reserved &&
        http.max_connections > (limit.rlim_cur - reserved) / 2) {
        // Half: each client connection may hold an upstream connection too.
        http.max_connections = (limit.rlim_cur - reserved) / 2;
        mamute::log::get("app")->info("max_connections lowered to {} to fit {} open files", http.max_connections,
                                      limit.rlim_cur);
    }
}

void run_threads(boost::asio::io_context& io, unsigned threads) {
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& worker : workers) worker.join();
}

// Serves one client on stdin/stdout until its input ends. Stdout carries protocol lines only: the
// server writes through its own copy of descriptor 1, and descriptor 1 itself is pointed at
// /dev/null so that a stray write by any library cannot corrupt the stream.
int serve_stdio(boost::asio::io_context& io, unsigned threads, const mamute::config::Config& config,
                std::shared_ptr<const mamute::mcp::Dispatcher> dispatcher) {
    using namespace mamute;
    auto logger = log::get("app");
    std::signal(SIGPIPE, SIG_IGN);  // a client that goes away is a write error, not a dead process
    const int input = ::dup(STDIN_FILENO);
    const int output = ::dup(STDOUT_FILENO);
    if (input < 0 || output < 0) {
        logger->critical("cannot duplicate stdin/stdout: {}", std::strerror(errno));
        return 1;
    }
    // Asio makes the descriptors non-blocking, and that flag belongs to the open file, which the
    // parent (and our stderr, on a terminal) may share: put it back on the way out.
    const int input_flags = ::fcntl(input, F_GETFL);
    const int output_flags = ::fcntl(output, F_GETFL);
    if (const int null = ::open("/dev/null", O_WRONLY); null >= 0) {
        ::dup2(null, STDOUT_FILENO);
        ::close(null);
    }

    transport::StdioSettings settings;
    settings.max_line_bytes = config.http.max_request_bytes;
    settings.credentials = transport::stdio_credentials(config.stdio);
    auto server = std::make_shared<transport::StdioServer>(io.get_executor(), input, output, std::move(dispatcher),
                                                           std::move(settings));

    int status = 0;
    boost::asio::co_spawn(io, server->run(), [&](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                logger->critical("stdio server failed: {}", e.what());
            }
            status = 1;
        }
        io.stop();  // requests cancelled at the drain deadline may still be unwinding
    });

    // First signal: stop reading and finish like at end of input; a second one stops at once.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            static bool stopping = false;
            if (stopping) {
                logger->info("signal {} received again, stopping now", signal);
                io.stop();
                return;
            }
            stopping = true;
            logger->info("signal {} received, finishing", signal);
            server->stop();
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    logger->info("serving MCP on stdio ({} threads)", threads);
    run_threads(io, threads);
    if (input_flags >= 0) ::fcntl(input, F_SETFL, input_flags);
    if (output_flags >= 0) ::fcntl(output, F_SETFL, output_flags);
    logger->info("stdio session ended, exiting");
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mamute;
    std::vector<std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry) environment.emplace_back(*entry);
    auto parsed = config::parse_command_line(std::vector<std::string>(argv + 1, argv + argc), environment);
    if (!parsed) {
        std::cerr << "mamute-mcp: " << parsed.error().message << "\n(see mamute-mcp --help)\n";
        return exit_usage;
    }
    if (parsed->show_help) {
        std::cout << config::usage();
        return 0;
    }
    if (parsed->show_version) {
        std::cout << "mamute-mcp " << MAMUTE_VERSION << "\n";
        return 0;
    }
    auto config = std::move(parsed->config);
    config::apply_environment(config, [](const char* name) { return std::getenv(name); });
    if (config.specs.empty()) config.specs.push_back(MAMUTE_DEFAULT_SPEC);
    log::configure(config.log.level, config.log.format);
    auto logger = log::get("app");

    // A spec that cannot be used is reported and left out; the others keep serving.
    auto loaded = catalog::load_catalog_report(config.specs);
    for (const auto& failure : loaded.errors) logger->error("spec not loaded: {}", failure.message);
    if (loaded.catalog.specs.empty()) {
        logger->critical("no spec could be loaded");
        return exit_usage;
    }
    auto* catalog = &loaded.catalog;
    for (const auto& spec : catalog->specs)
        logger->info("loaded spec '{}' {} from {}: {} operations", spec->title, spec->version, spec->source,
                     spec->operations.size());

    auto metrics = std::make_shared<observability::Metrics>();
    std::size_t operation_count = 0;
    for (const auto& spec : catalog->specs) operation_count += spec->operations.size();
    metrics->set_specs(catalog->specs.size(), operation_count);

    try {
        auto client = std::make_shared<const upstream::Client>(config.upstream);
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)), client, config.upstream, metrics);
        auto sessions = std::make_shared<mcp::SessionIds>(config.http.session_secret, config.http.session_lifetime);
        auto dispatcher =
            std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(), config.mcp);
        mcp::ServerOptions server_options;
        server_options.events.auth_failure = [metrics] { metrics->auth_failure(); };
        server_options.events.rate_limited = [metrics] { metrics->rate_limited(); };
        auto mcp_server = std::make_shared<const mcp::Server>(dispatcher, sessions, config.http, std::move(server_options));
        // A weak pointer: the metrics outlive the server during shutdown.
        metrics->set_sessions_gauge_source([weak = std::weak_ptr<const mcp::Server>(mcp_server)]() -> std::size_t {
            auto server = weak.lock();
            return server ? server->active_sessions() : 0;
        });

        const unsigned threads =
            config.http.threads ? config.http.threads : std::max(1u, std::thread::hardware_concurrency());
        boost::asio::io_context io(static_cast<int>(threads));
        if (config.stdio.enabled) return serve_stdio(io, threads, config, dispatcher);
        fit_connections_to_descriptors(config.http);
        std::optional<transport::HttpServer> listener;
        try {
            listener.emplace(io, config, mcp_server, metrics);
        } catch (const boost::system::system_error& e) {
            logger->critical("cannot listen on {}:{}: {}", config.http.bind, config.http.port, e.code().message());
            return exit_usage;
        }
        auto& server = *listener;
        server.start();

        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            logger->info("signal {} received, stopping", signal);
            server.stop();
            io.stop();
        });

        const auto endpoint = server.local_endpoint();
        logger->info("listening on http://{}:{}/mcp ({} threads)", display_address(endpoint), endpoint.port(), threads);
        if (const auto admin = server.admin_endpoint())
            logger->info("health and metrics on http://{}:{}/metrics", display_address(*admin), admin->port());

        run_threads(io, threads);
    } catch (const std::exception& e) {
        logger->critical("{}", e.what());
        return exit_usage;
    }
    return 0;
}
