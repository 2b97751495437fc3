#pragma once
// What crosses between the request builder and the HTTP client.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mamute::upstream {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Limits on the headers of an outgoing request. Beast cannot hold a name or value over 64 KiB at all
// (fields::insert throws), and servers commonly refuse headers far smaller than that.
inline constexpr std::size_t max_header_bytes_each = 8 * 1024;   // one header: name plus value
inline constexpr std::size_t max_header_bytes_total = 64 * 1024; // all of them, with ": " and CRLF

struct Origin {
    std::string scheme;  // "http" or "https"
    std::string host;    // name or IP literal (IPv6 without brackets)
    std::uint16_t port = 0;

    bool operator==(const Origin&) const = default;
    std::string to_string() const;  // https://host[:port]
};

struct Request {
    Origin origin;
    std::string method;  // upper case
    std::string target;  // origin-form: /path?query, already percent-encoded
    HeaderList headers;  // no Host, no Content-Length: the client sets those
    std::string body;
};

struct Response {
    unsigned status = 0;
    std::string reason;
    HeaderList headers;
    std::string body;
    std::chrono::microseconds elapsed{0};
    // Same-origin redirects the client followed, in order: "301 -> /new/target".
    std::vector<std::string> followed_redirects;
    // A redirect the client did not follow (another origin, an invalid Location, or max_redirects 0): its
    // Location, as sent. The response above is then that 3xx response itself.
    std::optional<std::string> redirect_not_followed;
};

enum class FailureKind { resolve, connect, tls, timeout, send, receive, too_large, protocol, refused, redirect };

struct Failure {
    FailureKind kind;
    std::string message;
};

}  // namespace mamute::upstream
