#include "transport/sse_response.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

namespace mamute::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Writes ignore cancellation of the coroutine that asked for them: a chunk cut in half would
// corrupt the stream for every message after it.
auto uncancellable() {
    return asio::bind_cancellation_slot(asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable));
}
}  // namespace

asio::awaitable<bool> SseResponse::start() {
    if (started_) co_return !failed_;
    started_ = true;
    if (metrics_) metrics_->sse_stream_opened();
    http::response<http::empty_body> response{http::status::ok, http_version_};
    response.set(http::field::server, "mamute-mcp/" MAMUTE_VERSION);
    response.set(http::field::content_type, "text/event-stream");
    response.set(http::field::cache_control, "no-cache");
    response.set("X-Accel-Buffering", "no");  // nginx and friends must not buffer the stream
    for (const auto& [name, value] : headers_) response.insert(name, value);
    response.keep_alive(keep_alive_);
    response.chunked(true);
    http::response_serializer<http::empty_body> serializer{response};
    stream_.expires_after(write_timeout_);
    auto [ec, n] = co_await http::async_write_header(stream_, serializer, uncancellable());
    stream_.expires_never();
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
}

asio::awaitable<bool> SseResponse::write_chunk(std::string data) {
    if (failed_ || !co_await start()) co_return false;
    stream_.expires_after(write_timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(data)), uncancellable());
    stream_.expires_never();
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
}

asio::awaitable<bool> SseResponse::send(const boost::json::object& message) {
    // LF line endings and no event name: what every MCP client parses.
    co_return co_await write_chunk("data: " + boost::json::serialize(message) + "\n\n");
}

asio::awaitable<bool> SseResponse::comment(std::string_view text) {
    co_return co_await write_chunk(": " + std::string(text) + "\n\n");
}

asio::awaitable<bool> SseResponse::finish(std::string_view final_data) {
    if (!final_data.empty() && !co_await write_chunk("data: " + std::string(final_data) + "\n\n")) co_return false;
    if (failed_ || !co_await start()) co_return false;
    stream_.expires_after(write_timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), uncancellable());
    stream_.expires_never();
    failed_ = static_cast<bool>(ec);
    co_return !failed_;
}

}  // namespace mamute::transport
