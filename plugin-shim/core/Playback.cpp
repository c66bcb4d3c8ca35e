// Bar-synchronous playback of takes (see Playback.hpp).
#include "Playback.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sb {

void Playback::schedule(Take* take, std::int64_t startBar, PlayParams params) noexcept
{
    if (pendingSet_) release(pending_);
    if (fadeLeft_ > 0) { release(current_); current_ = nullptr; fadeLeft_ = 0; }
    pending_ = take;
    pendingParams_ = params;
    pendingSet_ = true;
    pendingBar_ = startBar;
    pendingResolved_ = startBar != kNextBar;
}

void Playback::stopNow() noexcept
{
    if (pendingSet_) { release(pending_); pending_ = nullptr; pendingSet_ = false; }
    if (current_ && fadeLeft_ == 0) { fadeTotal_ = -1; fadeLeft_ = -1; } // sized on the next block (needs the rate)
}

void Playback::releaseAll() noexcept
{
    release(current_);
    current_ = nullptr;
    if (pendingSet_) release(pending_);
    pending_ = nullptr;
    pendingSet_ = false;
    fadeLeft_ = 0;
}

std::int64_t Playback::reportedBar() const noexcept
{
    if (current_) return anchorBar_;
    if (pendingSet_ && pending_ && pendingResolved_) return pendingBar_;
    return -1;
}

void Playback::process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                       double sampleRate, const PlaybackParams& params) noexcept
{
    if (fadeLeft_ < 0) fadeLeft_ = fadeTotal_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(kStopFadeSeconds * sampleRate));
    if (!pos.valid || !pos.playing) {
        // Stopped: pass-through; a stop "now" completes at once, an armed "next" waits for the transport.
        for (int c = 0; c < 2; ++c) std::memcpy(out[c], in[c], n * sizeof(float));
        if (fadeLeft_ > 0) { release(current_); current_ = nullptr; fadeLeft_ = 0; }
        return;
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
    if (split < n) {
        release(current_);
        current_ = pending_;
        currentParams_ = pendingParams_;
        anchorPpq_ = switchPpq;
        anchorBar_ = pendingBar_;
        pending_ = nullptr;
        pendingSet_ = false;
        render(in, out, split, n, pos.ppq, fpq, pos.meter, params);
    }
    if (fadeLeft_ > 0) {
        // Crossfade from the take's output back to the input, then let the take go.
        for (std::uint32_t i = 0; i < n; ++i) {
            const float w = fadeLeft_ > 0 ? static_cast<float>(fadeLeft_) / static_cast<float>(fadeTotal_) : 0.f;
            for (int c = 0; c < 2; ++c) out[c][i] = in[c][i] + (out[c][i] - in[c][i]) * w;
            if (fadeLeft_ > 0) --fadeLeft_;
        }
        if (fadeLeft_ == 0) { release(current_); current_ = nullptr; }
    }
}

void Playback::render(const float* const* in, float* const* out, std::uint32_t from, std::uint32_t to, double blockPpq,
                      double fpq, Meter m, const PlaybackParams& params) const noexcept
{
    if (from >= to) return;
    const Take* t = current_;
    const double loopQ = t ? (currentParams_.bars > 0 ? currentParams_.bars : t->bars) * quartersPerBar(m) : 0.0;
    if (!t || !params.monitor || t->frames <= 0 || loopQ * fpq < 1.0) {
        for (int c = 0; c < 2; ++c) std::memcpy(out[c] + from, in[c] + from, (to - from) * sizeof(float));
        return;
    }
    auto iterStart = [&](std::int64_t k) noexcept { return sampleOffsetOfPpq(blockPpq, anchorPpq_ + k * loopQ, fpq); };
    std::int64_t k = static_cast<std::int64_t>(std::floor((blockPpq + from / fpq - anchorPpq_) / loopQ + kPpqEpsilon));
    while (iterStart(k) > static_cast<std::int64_t>(from)) --k;
    while (iterStart(k + 1) <= static_cast<std::int64_t>(from)) ++k;
    std::int64_t base = iterStart(k);
    std::int64_t next = iterStart(k + 1);
    const float* src[2] = {t->data[0].data(), t->data[t->channels > 1 ? 1 : 0].data()};
    const bool mix = params.modeOverride == 0 ? currentParams_.mix : params.modeOverride == 2;
    const float g = currentParams_.gain * params.trim;
    const bool loop = currentParams_.loop;
    for (std::uint32_t i = from; i < to; ++i) {
        if (static_cast<std::int64_t>(i) >= next) {
            base = next;
            ++k;
            next = iterStart(k + 1);
        }
        const std::int64_t f = static_cast<std::int64_t>(i) - base;
        const bool audible = f < t->frames && (loop || k == 0);
        for (int c = 0; c < 2; ++c) {
            if (!audible) { out[c][i] = mix || !loop ? in[c][i] : 0.f; continue; }
            const float v = src[c][f] * g;
            out[c][i] = mix ? in[c][i] + v : v;
        }
    }
}

} // namespace sb
