#pragma once
// A reply written as a Server-Sent Events stream over chunked HTTP/1.1: started lazily on the first
// message, so a request that has nothing to stream is answered as plain JSON.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "mcp/event_sink.hpp"
#include "observability/metrics.hpp"

namespace mamute::transport {

class SseResponse final : public mcp::EventSink {
public:
    using Headers = std::vector<std::pair<std::string, std::string>>;

    SseResponse(boost::beast::tcp_stream& stream, unsigned http_version, bool keep_alive, Headers headers,
                std::chrono::milliseconds write_timeout, observability::Metrics* metrics = nullptr)
        : stream_(stream),
          http_version_(http_version),
          keep_alive_(keep_alive),
          headers_(std::move(headers)),
          write_timeout_(write_timeout),
          metrics_(metrics) {}
    // The open-streams gauge counts a stream from its start until this response goes away.
    ~SseResponse() override {
        if (started_ && metrics_) metrics_->sse_stream_closed();
    }
    SseResponse(const SseResponse&) = delete;
    SseResponse& operator=(const SseResponse&) = delete;

    bool started() const { return started_; }

    boost::asio::awaitable<bool> send(const boost::json::object& message) override;
    boost::asio::awaitable<bool> start();
    // A comment line: keeps idle proxies from closing the stream.
    boost::asio::awaitable<bool> comment(std::string_view text);
    // Sends the final message (when not empty) and ends the chunked body.
    boost::asio::awaitable<bool> finish(std::string_view final_data);

private:
    boost::asio::awaitable<bool> write_chunk(std::string data);

    boost::beast::tcp_stream& stream_;
    unsigned http_version_;
    bool keep_alive_;
    Headers headers_;
    std::chrono::milliseconds write_timeout_;
    observability::Metrics* metrics_;
    bool started_ = false;
    bool failed_ = false;
};

}  // namespace mamute::transport
