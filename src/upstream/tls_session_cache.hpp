#pragma once
// The latest TLS session per origin, offered on the next new connection to it (an abbreviated handshake).
#include <openssl/ssl.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace mamute::upstream {

// Sessions are filed under the origin key (scheme, host, port) and offered only to that same origin, so
// a resumed session is always one whose certificate was verified for that very host name: OpenSSL does
// not send or check the certificate again on resumption. Locked briefly: OpenSSL files new sessions from
// inside reads, on whichever thread is running the connection.
class TlsSessionCache {
public:
    // Turns on client-side session caching in `context` and routes its new sessions here.
    explicit TlsSessionCache(SSL_CTX* context, std::size_t max_origins = 256);
    ~TlsSessionCache();
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;

    // Before the handshake: offers the origin's last session, and files sessions this connection
    // receives under `key`, which must outlive `ssl`.
    void prepare(SSL* ssl, const std::string& key);
    std::size_t size() const;

private:
    struct FreeSession {
        void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
    };
    static int on_new_session(SSL* ssl, SSL_SESSION* session);

    SSL_CTX* context_;
    const std::size_t max_origins_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<SSL_SESSION, FreeSession>> sessions_;
};

}  // namespace mamute::upstream
