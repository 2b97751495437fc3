#include "transport/drain.hpp"

#include <vector>

namespace mamute::transport {

Drain::IdleGuard Drain::idle(Wake wake) {
    {
        std::lock_guard lock(mutex_);
        if (!draining_.load()) {
            const auto id = next_id_++;
            idle_.emplace(id, std::move(wake));
            return IdleGuard(this, id);
        }
    }
    wake();
    return IdleGuard(nullptr, 0);
}

void Drain::forget(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    idle_.erase(id);
}

void Drain::begin() {
    std::vector<Wake> to_wake;
    {
        std::lock_guard lock(mutex_);
        draining_.store(true);
        for (auto& [id, wake] : idle_) to_wake.push_back(wake);
    }
    for (auto& wake : to_wake) wake();
}

}  // namespace mamute::transport
