// mamute-mcp: parse the command line, load the specs, serve until a signal arrives.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <algorithm>
#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include "catalog/catalog.hpp"
#include "common/log.hpp"
#include "config/command_line.hpp"
#include "mcp/server.hpp"
#include "mcp/session_ids.hpp"
#include "toolset/toolset.hpp"
#include "transport/http_server.hpp"
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

}  // namespace

int main(int argc, char** argv) {
    using namespace mamute;
    auto parsed = config::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
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
    if (config.specs.empty()) config.specs.push_back(MAMUTE_DEFAULT_SPEC);
    log::set_level(config.log_level);
    auto logger = log::get("app");

    auto catalog = catalog::load_catalog(config.specs);
    if (!catalog) {
        logger->critical("cannot load specs: {}", catalog.error().message);
        return exit_usage;
    }
    for (const auto& spec : catalog->specs)
        logger->info("loaded spec '{}' {} from {}: {} operations", spec->title, spec->version, spec->source,
                     spec->operations.size());

    try {
        auto client = std::make_shared<const upstream::Client>(config.upstream);
        auto tools = std::make_shared<const toolset::Toolset>(
            std::make_shared<const catalog::Catalog>(std::move(*catalog)), client, config.upstream);
        auto sessions = std::make_shared<mcp::SessionIds>("", config.http.session_lifetime);
        auto dispatcher =
            std::make_shared<const mcp::Dispatcher>(tools, std::make_shared<mcp::SessionState>(), config.mcp);
        auto mcp_server = std::make_shared<const mcp::Server>(dispatcher, sessions, config.http);

        const unsigned threads =
            config.http.threads ? config.http.threads : std::max(1u, std::thread::hardware_concurrency());
        boost::asio::io_context io(static_cast<int>(threads));
        transport::HttpServer server(io, config, mcp_server);
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

        std::vector<std::thread> workers;
        for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
        io.run();
        for (auto& worker : workers) worker.join();
    } catch (const std::exception& e) {
        logger->critical("{}", e.what());
        return exit_usage;
    }
    return 0;
}
