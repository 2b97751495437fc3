#include "upstream/tls_session_cache.hpp"

namespace mamute::upstream {

namespace {

int connection_key_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int cache_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

}  // namespace

TlsSessionCache::TlsSessionCache(SSL_CTX* context, std::size_t max_origins) : context_(context), max_origins_(max_origins) {
    // NO_INTERNAL_STORE: OpenSSL's own client cache is keyed by session id only; ours is keyed by origin.
    SSL_CTX_set_session_cache_mode(context_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_set_ex_data(context_, cache_index(), this);
    SSL_CTX_sess_set_new_cb(context_, &TlsSessionCache::on_new_session);
}

TlsSessionCache::~TlsSessionCache() {
    SSL_CTX_sess_set_new_cb(context_, nullptr);
    SSL_CTX_set_ex_data(context_, cache_index(), nullptr);
}

void TlsSessionCache::prepare(SSL* ssl, const std::string& key) {
    SSL_set_ex_data(ssl, connection_key_index(), const_cast<std::string*>(&key));
    std::lock_guard lock(mutex_);
    if (auto it = sessions_.find(key); it != sessions_.end()) SSL_set_session(ssl, it->second.get());  // takes its own reference
}

std::size_t TlsSessionCache::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

int TlsSessionCache::on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* cache = static_cast<TlsSessionCache*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), cache_index()));
    const auto* key = static_cast<const std::string*>(SSL_get_ex_data(ssl, connection_key_index()));
    if (!cache || !key || !SSL_SESSION_is_resumable(session)) return 0;  // 0: OpenSSL keeps its reference
    std::unique_ptr<SSL_SESSION, FreeSession> owned(session);  // returning 1 hands us the reference
    std::unique_ptr<SSL_SESSION, FreeSession> replaced;        // freed after the lock is released
    {
        std::lock_guard lock(cache->mutex_);
        auto it = cache->sessions_.find(*key);
        if (it != cache->sessions_.end()) {
            replaced = std::move(it->second);
            it->second = std::move(owned);
        } else {
            if (cache->sessions_.size() >= cache->max_origins_) {  // bounded: forget some other origin's session
                replaced = std::move(cache->sessions_.begin()->second);
                cache->sessions_.erase(cache->sessions_.begin());
            }
            cache->sessions_.emplace(*key, std::move(owned));
        }
    }
    return 1;
}

}  // namespace mamute::upstream
