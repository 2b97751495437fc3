#pragma once
// An upstream for pool, retry and redirect tests: keeps connections open and answers every request on
// them, as told by a responder, counting connections and requests. HTTP or HTTPS on 127.0.0.1, port 0.
// Everything it does runs on one strand of the caller's io_context, so the io_context may run on
// several threads; read the counters once io_context::run has returned (or from the strand).
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <list>
#include <string>
#include <vector>

namespace mamute::testing {

class KeepAliveServer {
public:
    using SeenRequest = boost::beast::http::request<boost::beast::http::string_body>;
    struct Reply {
        std::string bytes;         // raw response; empty: answer nothing
        bool close_after = false;  // then close the connection without a word (no Connection: close)
    };
    // The request and its index on its connection (0 for the first).
    using Responder = std::function<Reply(const SeenRequest&, std::size_t)>;
    using Signal = boost::asio::experimental::concurrent_channel<void(boost::system::error_code)>;

    KeepAliveServer(boost::asio::io_context& io, Responder respond, boost::asio::ssl::context* tls = nullptr)
        : closed(io, 64),
          strand_(boost::asio::make_strand(io)),
          acceptor_(strand_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
          respond_(std::move(respond)),
          tls_(tls),
          gate_(strand_, boost::asio::steady_timer::time_point::max()) {
        boost::asio::co_spawn(strand_, accept_loop(), boost::asio::detached);
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    // Closes the listener and every open connection, so that io_context::run can return.
    void stop() {
        boost::asio::post(strand_, [this] {
            boost::system::error_code ec;
            acceptor_.close(ec);
            for (auto* socket : open_) socket->close(ec);
        });
    }

    int connections = 0;
    int requests = 0;
    // Holds every answer until this many requests have come in (0: answer at once), to make calls overlap.
    int hold_until_requests = 0;
    std::vector<SeenRequest> seen;
    // One message each time the server closes a connection on its own (close_after).
    Signal closed;

private:
    static constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
            if (ec) co_return;
            ++connections;
            boost::asio::co_spawn(strand_, serve(std::move(socket)), boost::asio::detached);
        }
    }

    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
        if (!tls_) {
            auto registered = open_.insert(open_.end(), &socket);
            co_await answer_all(socket, socket);
            open_.erase(registered);
            co_return;
        }
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), *tls_);
        auto registered = open_.insert(open_.end(), &stream.next_layer());
        if (auto [ec] = co_await stream.async_handshake(boost::asio::ssl::stream_base::server, use_tuple); !ec)
            co_await answer_all(stream, stream.next_layer());
        open_.erase(registered);
    }

    template <class Stream>
    boost::asio::awaitable<void> answer_all(Stream& stream, boost::asio::ip::tcp::socket& socket) {
        boost::beast::flat_buffer buffer;
        for (std::size_t index = 0;; ++index) {
            boost::beast::http::request_parser<boost::beast::http::string_body> parser;
            parser.header_limit(256 * 1024);
            parser.body_limit(64 * 1024 * 1024);
            if (auto [ec, n] = co_await boost::beast::http::async_read(stream, buffer, parser, use_tuple); ec) co_return;
            ++requests;
            seen.push_back(parser.get());
            if (requests >= hold_until_requests)
                gate_.cancel();
            else
                co_await gate_.async_wait(use_tuple);
            const auto reply = respond_(seen.back(), index);
            if (!reply.bytes.empty())
                if (auto [ec, n] = co_await boost::asio::async_write(stream, boost::asio::buffer(reply.bytes), use_tuple); ec)
                    co_return;
            if (reply.close_after) {
                boost::system::error_code ignored;
                socket.close(ignored);
                closed.try_send(boost::system::error_code{});
                co_return;
            }
        }
    }

    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    Responder respond_;
    boost::asio::ssl::context* tls_;
    boost::asio::steady_timer gate_;
    std::list<boost::asio::ip::tcp::socket*> open_;
};

inline std::string ok_reply(const std::string& body, const std::string& extra_headers = "") {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + extra_headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

}  // namespace mamute::testing
