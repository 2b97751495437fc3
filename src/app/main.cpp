// mamute-mcp: parse the command line, load the specs, serve until a signal arrives (or, with
// --stdio, until the client closes our stdin).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
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
#include "mcp/http_rules.hpp"
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

// Everything a reload replaces: the specs, the upstream client and the tools over them.
struct Runtime {
    std::shared_ptr<const mamute::mcp::Dispatcher> dispatcher;
    std::size_t specs = 0;
    std::size_t operations = 0;
};

// Loads the specs and builds the tools. `all_or_nothing` (reload): any spec that fails to load fails
// the whole reload, so a typo never silently drops an API that was being served.
mamute::Expected<Runtime> build_runtime(const mamute::config::Config& config,
                                        const std::shared_ptr<mamute::observability::Metrics>& metrics,
                                        const std::shared_ptr<mamute::mcp::SessionState>& state, bool all_or_nothing) {
    using namespace mamute;
    auto logger = log::get("app");
    auto loaded = catalog::load_catalog_report(config.specs);
    for (const auto& failure : loaded.errors) logger->error("spec not loaded: {}", failure.message);
    if (loaded.catalog.specs.empty()) return make_error("no spec could be loaded");
    if (all_or_nothing && !loaded.errors.empty())
        return make_error(std::to_string(loaded.errors.size()) + " spec(s) could not be loaded");
    Runtime runtime;
    for (const auto& spec : loaded.catalog.specs) {
        logger->info("loaded spec '{}' {} from {}: {} operations", spec->title, spec->version, spec->source,
                     spec->operations.size());
        ++runtime.specs;
        runtime.operations += spec->operations.size();
    }
    try {
        auto client = std::make_shared<const upstream::Client>(config.upstream);
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(loaded.catalog)), client, config.upstream, metrics);
        runtime.dispatcher = std::make_shared<const mcp::Dispatcher>(tools, state, config.mcp);
    } catch (const std::exception& e) {
        return make_error(e.what());  // an unreadable CA file, say
    }
    return runtime;
}

mamute::Expected<mamute::config::Config> read_config(const std::vector<std::string>& args) {
    std::vector<std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry) environment.emplace_back(*entry);
    auto parsed = mamute::config::parse_command_line(args, environment);
    if (!parsed) return parsed.error();
    auto config = std::move(parsed->config);
    mamute::config::apply_environment(config, [](const char* name) { return std::getenv(name); });
    if (config.specs.empty()) config.specs.push_back(MAMUTE_DEFAULT_SPEC);
    return config;
}

// SIGHUP: config and specs are read again and swapped in whole, or not at all. What the listener was
// built with (addresses, limits, threads) needs a restart; the log says so when it changed.
void reload(const std::vector<std::string>& args, mamute::config::Config& current, const mamute::mcp::Server& server,
            const std::shared_ptr<mamute::observability::Metrics>& metrics,
            const std::shared_ptr<mamute::mcp::SessionState>& state) {
    using namespace mamute;
    auto logger = log::get("app");
    logger->info("SIGHUP: reloading config and specs");
    auto next = read_config(args);
    if (!next) {
        logger->error("reload failed, still serving the previous config and specs: {}", next.error().message);
        return;
    }
    auto runtime = build_runtime(*next, metrics, state, true);
    if (!runtime) {
        logger->error("reload failed, still serving the previous config and specs: {}", runtime.error().message);
        return;
    }
    server.replace_dispatcher(runtime->dispatcher);
    metrics->set_specs(runtime->specs, runtime->operations);
    log::configure(next->log.level, next->log.format);
    if (!(next->http == current.http) || next->log.access != current.log.access)
        logger->warn("reload: http.* and log.access settings changed but take effect only after a restart");
    current = std::move(*next);
    logger->info("reloaded: {} specs, {} operations", runtime->specs, runtime->operations);
}

int main(int argc, char** argv) {
    using namespace mamute;
    const std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry) environment.emplace_back(*entry);
    auto parsed = config::parse_command_line(args, environment);
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
    auto read = read_config(args);
    if (!read) {
        std::cerr << "mamute-mcp: " << read.error().message << "\n";
        return exit_usage;
    }
    auto config = std::move(*read);
    log::configure(config.log.level, config.log.format);
    auto logger = log::get("app");

    auto metrics = std::make_shared<observability::Metrics>();
    auto state = std::make_shared<mcp::SessionState>();
    // A spec that cannot be used is reported and left out; the others keep serving.
    auto runtime = build_runtime(config, metrics, state, false);
    if (!runtime) {
        logger->critical("{}", runtime.error().message);
        return exit_usage;
    }
    metrics->set_specs(runtime->specs, runtime->operations);

    try {
        auto sessions = std::make_shared<mcp::SessionIds>(config.http.session_secret, config.http.session_lifetime);
        auto dispatcher = std::move(runtime->dispatcher);
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
        dispatcher.reset();  // the server holds it now, and a reload may replace it
        // The listener gets the descriptor-fitted copy; `config` stays as configured, for reload to compare.
        auto listener_config = config;
        fit_connections_to_descriptors(listener_config.http);
        std::optional<transport::HttpServer> listener;
        try {
            listener.emplace(io, listener_config, mcp_server, metrics);
        } catch (const boost::system::system_error& e) {
            logger->critical("cannot listen on {}:{}{}: {}", config.http.bind, config.http.port,
                             config.http.admin_port ? " (or the admin port " + std::to_string(*config.http.admin_port) + ")" : "",
                             e.code().message());
            return exit_usage;
        }
        auto& server = *listener;
        server.start();
        if (!mcp::is_loopback_address(config.http.bind) && config.http.auth_token.empty())
            logger->warn("listening on {} without http.auth_token: anyone who can reach this address can use the "
                         "server (set MAMUTE_MCP_HTTP_AUTH_TOKEN)", config.http.bind);

        // SIGTERM/SIGINT: stop accepting and finish what is in flight (up to shutdown_timeout), then end
        // the event streams and exit 0. A second signal stops at once. SIGHUP reloads.
        boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
        boost::asio::steady_timer drain_timer(io);
        bool stopping = false;
        std::chrono::steady_clock::time_point deadline;
        std::function<void()> check_drained = [&] {
            const bool late = std::chrono::steady_clock::now() >= deadline;
            if (server.drain().busy() > 0 && !late) {
                drain_timer.expires_after(std::chrono::milliseconds(20));
                drain_timer.async_wait([&](const boost::system::error_code& ec) { if (!ec) check_drained(); });
                return;
            }
            if (server.drain().busy() > 0)
                logger->warn("{} requests still running after {} ms: cancelling them", server.drain().busy(),
                             config.http.shutdown_timeout.count());
            const auto ended = mcp_server->cancel_everything();
            logger->info("in-flight requests done; {} event streams and calls ended; exiting", ended);
            // Give the cancelled streams a moment to write their last bytes and close.
            drain_timer.expires_after(std::chrono::milliseconds(200));
            drain_timer.async_wait([&](const boost::system::error_code&) { io.stop(); });
        };
        std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                                   int signal) {
            if (ec) return;
            if (signal == SIGHUP) {
                if (!stopping) reload(args, config, *mcp_server, metrics, state);
                signals.async_wait(on_signal);
                return;
            }
            if (stopping) {
                logger->warn("signal {} received again: stopping now", signal);
                io.stop();
                return;
            }
            stopping = true;
            logger->info("signal {} received: not accepting; finishing {} requests (up to {} ms)", signal,
                         server.drain().busy(), config.http.shutdown_timeout.count());
            server.stop();
            server.drain().begin();
            deadline = std::chrono::steady_clock::now() + config.http.shutdown_timeout;
            check_drained();
            signals.async_wait(on_signal);
        };
        signals.async_wait(on_signal);

        const auto endpoint = server.local_endpoint();
        logger->info("listening on http://{}:{}/mcp ({} threads)", display_address(endpoint), endpoint.port(), threads);
        if (const auto admin = server.admin_endpoint())
            logger->info("health and metrics on http://{}:{}/metrics", display_address(*admin), admin->port());

        run_threads(io, threads);
        logger->info("stopped");
    } catch (const std::exception& e) {
        logger->critical("{}", e.what());
        return exit_usage;
    }
    return 0;
}
