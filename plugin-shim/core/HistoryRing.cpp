// Overwriting stereo history ring (see HistoryRing.hpp).
#include "HistoryRing.hpp"

#include <algorithm>

namespace sb {

void HistoryRing::allocate(std::int64_t capacityFrames, std::int64_t marginFrames)
{
    capacity_ = capacityFrames;
    margin_ = marginFrames;
    for (auto& ch : data_) {
        ch.reset(new std::atomic<float>[static_cast<std::size_t>(capacityFrames)]);
        for (std::int64_t i = 0; i < capacityFrames; ++i) ch[i].store(0.f, std::memory_order_relaxed);
    }
    reset();
}

void HistoryRing::write(const float* const* in, std::uint32_t n) noexcept
{
    if (capacity_ == 0) return;
    const std::int64_t w = written_.load(std::memory_order_relaxed);
    writing_.store(w + n, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    std::int64_t slot = w % capacity_;
    for (std::uint32_t i = 0; i < n; ++i) {
        data_[0][slot].store(in[0][i], std::memory_order_relaxed);
        data_[1][slot].store(in[1][i], std::memory_order_relaxed);
        if (++slot == capacity_) slot = 0;
    }
    written_.store(w + n, std::memory_order_release);
}

std::int64_t HistoryRing::oldestReadable() const noexcept
{
    return std::max<std::int64_t>(0, written() - capacity_ + margin_);
}

HistoryRing::CopyResult HistoryRing::copyOut(std::int64_t start, std::int64_t n, float* const* out) const noexcept
{
    if (start < 0 || n < 0 || start + n > written()) return CopyResult::NotYetWritten;
    if (start < oldestReadable()) return CopyResult::Overwritten;
    std::int64_t slot = start % capacity_;
    for (std::int64_t i = 0; i < n; ++i) {
        out[0][i] = data_[0][slot].load(std::memory_order_relaxed);
        out[1][i] = data_[1][slot].load(std::memory_order_relaxed);
        if (++slot == capacity_) slot = 0;
    }
    // Any value read from a lap of the writer makes its announcement visible here.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (start < writing_.load(std::memory_order_relaxed) - capacity_) return CopyResult::Overwritten;
    return CopyResult::Ok;
}

} // namespace sb
