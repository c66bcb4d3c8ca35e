// Overwriting stereo history of everything the plugin heard, written by the audio thread, read by the network thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace sb {

// Frames are addressed by their absolute index since activation (the "ring frame"): frame f lives
// in slot f % capacity. Writer: the audio thread (write()). Reader: the network thread (copyOut()),
// which only reads frames newer than written() - capacity + margin, so the writer does not reach
// the slots being read unless the reader stalls for longer than the margin; the reader re-checks
// after copying and rejects the copy if the writer got there. Samples are relaxed atomics (plain
// moves on x86/ARM) so that even a lapped read is not a data race; the writer announces the frames
// it is about to overwrite (writing_) before touching them, seqlock style.
class HistoryRing {
public:
    static constexpr int kChannels = 2;

    // Not real-time: allocates. capacityFrames must exceed marginFrames.
    void allocate(std::int64_t capacityFrames, std::int64_t marginFrames);
    void reset() noexcept { written_.store(0, std::memory_order_release); writing_.store(0, std::memory_order_release); }

    // [rt] Appends n frames (planar). in[1] may equal in[0] (mono).
    void write(const float* const* in, std::uint32_t n) noexcept;

    // Total frames written since reset (the next ring frame). Any thread.
    std::int64_t written() const noexcept { return written_.load(std::memory_order_acquire); }
    std::int64_t capacity() const noexcept { return capacity_; }
    // The oldest frame a reader may still ask for.
    std::int64_t oldestReadable() const noexcept;

    enum class CopyResult { Ok, NotYetWritten, Overwritten };
    // Reader thread: copies frames [start, start+n) into out[c] (each n floats).
    CopyResult copyOut(std::int64_t start, std::int64_t n, float* const* out) const noexcept;

private:
    std::unique_ptr<std::atomic<float>[]> data_[kChannels];
    std::int64_t capacity_ = 0;
    std::int64_t margin_ = 0;
    std::atomic<std::int64_t> written_{0};
    std::atomic<std::int64_t> writing_{0};
};

} // namespace sb
