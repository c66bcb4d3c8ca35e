// Lock-free single-producer single-consumer ring of trivially copyable items (audio thread <-> network thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace sb {

// Threading contract: exactly one producer thread calls tryPush(), exactly one consumer thread calls
// tryPop(); size()/empty() are hints usable from either side. Construction and destruction happen
// while neither side runs. The capacity is rounded up to a power of two and fixed at construction
// (never on the audio thread). tryPush/tryPop never block, allocate or make system calls.
template <typename T>
class SpscRing {
    static_assert(std::is_trivially_copyable<T>::value, "SpscRing items are copied by value");

public:
    explicit SpscRing(std::size_t minCapacity)
    {
        std::size_t cap = 2;
        while (cap < minCapacity) cap <<= 1;
        mask_ = cap - 1;
        items_.reset(new T[cap]());
    }
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    // [rt] producer side: false when full (the caller counts a drop).
    bool tryPush(const T& item) noexcept
    {
        const std::uint64_t w = write_.load(std::memory_order_relaxed);
        if (w - read_.load(std::memory_order_acquire) > mask_) return false;
        items_[w & mask_] = item;
        write_.store(w + 1, std::memory_order_release);
        return true;
    }

    // [rt] consumer side: false when empty.
    bool tryPop(T& out) noexcept
    {
        const std::uint64_t r = read_.load(std::memory_order_relaxed);
        if (r == write_.load(std::memory_order_acquire)) return false;
        out = items_[r & mask_];
        read_.store(r + 1, std::memory_order_release);
        return true;
    }

    std::size_t size() const noexcept
    {
        return static_cast<std::size_t>(write_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire));
    }
    bool empty() const noexcept { return size() == 0; }
    std::size_t capacity() const noexcept { return mask_ + 1; }

private:
    std::unique_ptr<T[]> items_;
    std::size_t mask_ = 0;
    alignas(64) std::atomic<std::uint64_t> write_{0}; // written by the producer only
    alignas(64) std::atomic<std::uint64_t> read_{0};  // written by the consumer only
};

} // namespace sb
