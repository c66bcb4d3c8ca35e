// Bar-synchronous playback of takes (see Playback.hpp).
#include "Playback.hpp"

#include <cmath>
#include <cstring>

namespace sb {

Take* Playback::schedule(Take* take, std::int64_t startBar) noexcept
{
    Take* displaced = pendingSet_ ? pending_ : nullptr;
    pending_ = take;
    pendingSet_ = true;
    pendingBar_ = startBar;
    pendingResolved_ = startBar != kNextBar;
    return displaced;
}

Take* Playback::release() noexcept
{
    if (current_) { Take* t = current_; current_ = nullptr; return t; }
    if (pendingSet_ && pending_) { Take* t = pending_; pending_ = nullptr; pendingSet_ = false; return t; }
    pendingSet_ = false;
    return nullptr;
}

Take* Playback::process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                        double sampleRate, const PlaybackParams& params) noexcept
{
    if (!pos.valid || !pos.playing) {
        render(in, out, 0, n, 0.0, 0.0, pos.meter, PlaybackParams{params.mode, params.gain, false});
        return nullptr;
    }
    const double fpq = framesPerQuarter(sampleRate, pos.bpm);
    std::uint32_t split = n;
    double switchPpq = 0.0;
    if (pendingSet_) {
        if (!pendingResolved_) {
            pendingBar_ = nextBarAtOrAfter(pos.ppq, pos.meter, fpq);
            pendingResolved_ = true;
        }
        switchPpq = barStartPpq(pendingBar_, pos.meter);
        const std::int64_t off = sampleOffsetOfPpq(pos.ppq, switchPpq, fpq);
        if (off < static_cast<std::int64_t>(n)) split = off < 0 ? 0u : static_cast<std::uint32_t>(off);
    }
    render(in, out, 0, split, pos.ppq, fpq, pos.meter, params);
    if (split == n) return nullptr;
    Take* released = current_;
    current_ = pending_;
    anchorPpq_ = switchPpq;
    pending_ = nullptr;
    pendingSet_ = false;
    render(in, out, split, n, pos.ppq, fpq, pos.meter, params);
    return released;
}

void Playback::render(const float* const* in, float* const* out, std::uint32_t from, std::uint32_t to, double blockPpq,
                      double fpq, Meter m, const PlaybackParams& params) const noexcept
{
    if (from >= to) return;
    const Take* t = current_;
    const double loopQ = t ? t->bars * quartersPerBar(m) : 0.0;
    if (!t || !params.monitor || t->frames <= 0 || loopQ * fpq < 1.0) {
        for (int c = 0; c < 2; ++c)
            if (out[c] != in[c]) std::memcpy(out[c] + from, in[c] + from, (to - from) * sizeof(float));
        return;
    }
    auto iterStart = [&](std::int64_t k) noexcept { return sampleOffsetOfPpq(blockPpq, anchorPpq_ + k * loopQ, fpq); };
    std::int64_t k = static_cast<std::int64_t>(std::floor((blockPpq + from / fpq - anchorPpq_) / loopQ + kPpqEpsilon));
    while (iterStart(k) > static_cast<std::int64_t>(from)) --k;
    while (iterStart(k + 1) <= static_cast<std::int64_t>(from)) ++k;
    std::int64_t base = iterStart(k);
    std::int64_t next = iterStart(k + 1);
    const float* src[2] = {t->data[0].data(), t->data[t->channels > 1 ? 1 : 0].data()};
    const bool replace = params.mode == MixMode::Replace;
    const float g = params.gain;
    for (std::uint32_t i = from; i < to; ++i) {
        if (static_cast<std::int64_t>(i) >= next) {
            base = next;
            ++k;
            next = iterStart(k + 1);
        }
        const std::int64_t f = static_cast<std::int64_t>(i) - base;
        for (int c = 0; c < 2; ++c) {
            const float v = f < t->frames ? src[c][f] * g : 0.f;
            out[c][i] = replace ? v : in[c][i] + v;
        }
    }
}

} // namespace sb
