#pragma once
// A raw echo upstream for tests: reads one HTTP/1.1 request (headers, then Content-Length bytes of body,
// at most `limit` bytes in all) and answers 200 text/plain whose body is exactly the bytes received:
// request line, headers and body. HTTP or HTTPS on 127.0.0.1, port 0, in the caller's io_context.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstddef>
#include <string>

namespace mamute::testing {

namespace echo_detail {

namespace asio = boost::asio;
inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Content-Length of a header block (0 when absent or unreadable).
inline std::size_t content_length(std::string_view head) {
    std::string lower(head);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) return 0;
    std::size_t i = at + 17, value = 0;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    while (i < lower.size() && std::isdigit(static_cast<unsigned char>(lower[i]))) value = value * 10 + (lower[i++] - '0');
    return value;
}

template <class Stream>
asio::awaitable<void> echo_once(Stream& stream, std::size_t limit) {
    std::string received;
    std::size_t need = std::string::npos;
    char buffer[4096];
    for (;;) {
        if (need == std::string::npos)
            if (const auto end = received.find("\r\n\r\n"); end != std::string::npos)
                need = end + 4 + content_length(std::string_view(received).substr(0, end + 2));
        if (need != std::string::npos && received.size() >= need) break;
        if (received.size() > limit || (need != std::string::npos && need > limit)) {
            static constexpr std::string_view too_large =
                "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            co_await asio::async_write(stream, asio::buffer(too_large), use_tuple);
            co_return;
        }
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) co_return;
        received.append(buffer, n);
    }
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(received.size()) + "\r\nConnection: close\r\n\r\n" + received;
    if (auto [ec, n] = co_await asio::async_write(stream, asio::buffer(answer), use_tuple); ec) co_return;
    for (;;)  // until the client closes: it owns the connection's end
        if (auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), use_tuple); ec) break;
}

}  // namespace echo_detail

inline boost::asio::awaitable<void> echo_http(boost::asio::ip::tcp::acceptor& acceptor, std::size_t limit = 1 << 20) {
    auto [ec, socket] = co_await acceptor.async_accept(echo_detail::use_tuple);
    if (ec) co_return;
    co_await echo_detail::echo_once(socket, limit);
}

inline boost::asio::awaitable<void> echo_https(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::ssl::context& tls,
                                               std::size_t limit = 1 << 20) {
    auto [ec, socket] = co_await acceptor.async_accept(echo_detail::use_tuple);
    if (ec) co_return;
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), tls);
    if (auto [handshake_ec] = co_await stream.async_handshake(boost::asio::ssl::stream_base::server, echo_detail::use_tuple);
        handshake_ec)
        co_return;
    co_await echo_detail::echo_once(stream, limit);
    co_await stream.async_shutdown(echo_detail::use_tuple);
}

}  // namespace mamute::testing
