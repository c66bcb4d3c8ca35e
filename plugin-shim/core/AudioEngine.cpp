// The audio-thread side of the plugin (see AudioEngine.hpp).
#include "AudioEngine.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sb {

AudioEngine::~AudioEngine() { deactivate(); }

void AudioEngine::activate(double sampleRate, std::uint32_t maxBlock)
{
    deactivate();
    sampleRate_ = sampleRate;
    maxBlock_ = std::max<std::uint32_t>(maxBlock, 32);
    for (auto& s : scratch_) s.assign(maxBlock_, 0.f);
    const auto margin = static_cast<std::int64_t>(std::ceil(limits_.marginSeconds * sampleRate));
    history_.allocate(historyFramesNeeded(sampleRate, limits_.minBpm, limits_.maxQuartersPerBar, limits_.historyBars,
                                          margin + maxBlock_),
                      margin);
    records_.reset(new SpscRing<BlockRecord>(limits_.recordRing));
    triggers_.reset(new SpscRing<CaptureTrigger>(limits_.eventRing));
    commands_.reset(new SpscRing<Command>(limits_.commandRing));
    returns_.reset(new SpscRing<Take*>(limits_.returnRing));
    lastCapture_ = 0.f;
    active_ = true;
}

void AudioEngine::deactivate()
{
    if (!active_) return;
    active_ = false;
    playback_.releaseAll();
    while (Take* t = playback_.takeReleased()) (void)t; // lent takes: their owner (the network side) frees them
    Command c;
    while (commands_->tryPop(c)) {}
    Take* t = nullptr;
    while (returns_->tryPop(t)) {}
}

void AudioEngine::giveBackReleased() noexcept
{
    while (Take* t = playback_.takeReleased()) {
        // Cannot fail while commands are only taken with room to spare (see processChunk); never free here.
        if (!returns_->tryPush(t)) counters_.droppedEvents.fetch_add(1, std::memory_order_relaxed);
    }
}

void AudioEngine::process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                          const Controls& controls) noexcept
{
    if (!active_) {
        for (int c = 0; c < 2; ++c)
            if (out[c] != in[c]) std::memmove(out[c], in[c], n * sizeof(float));
        return;
    }
    if (n <= maxBlock_) {
        processChunk(in, out, n, pos, controls);
        return;
    }
    counters_.oversizedBlocks.fetch_add(1, std::memory_order_relaxed);
    HostPosition p = pos;
    for (std::uint32_t done = 0; done < n;) {
        const std::uint32_t len = std::min(maxBlock_, n - done);
        const float* i2[2] = {in[0] + done, in[1] + done};
        float* o2[2] = {out[0] + done, out[1] + done};
        processChunk(i2, o2, len, p, controls);
        if (p.valid && p.playing) p.ppq += len / framesPerQuarter(sampleRate_, p.bpm);
        p.hostFrame += len;
        done += len;
    }
}

void AudioEngine::processChunk(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                               const Controls& controls) noexcept
{
    // Hosts may process in place: keep a copy of the input before anything writes the output.
    for (int c = 0; c < 2; ++c) std::memcpy(scratch_[c].data(), in[c], n * sizeof(float));
    const float* input[2] = {scratch_[0].data(), scratch_[1].data()};

    const std::int64_t ringFrame = history_.written();
    history_.write(input, n);
    BlockRecord rec;
    rec.ringFrame = ringFrame;
    rec.frames = n;
    rec.pos = pos;
    if (!records_->tryPush(rec)) counters_.droppedRecords.fetch_add(1, std::memory_order_relaxed);

    if (controls.capture >= 0.5f && lastCapture_ < 0.5f) {
        if (!triggers_->tryPush(CaptureTrigger{ringFrame + n}))
            counters_.droppedEvents.fetch_add(1, std::memory_order_relaxed);
    }
    lastCapture_ = controls.capture;

    // Take commands only while the return ring has room for what they may displace.
    const std::size_t returnCap = returns_->capacity();
    Command cmd;
    std::uint64_t popped = 0;
    while (returns_->size() + 4 < returnCap && commands_->tryPop(cmd)) {
        ++popped;
        if (cmd.kind == Command::Play) playback_.schedule(cmd.take, cmd.startBar, cmd.params);
        else if (cmd.kind == Command::Stop) playback_.schedule(nullptr, cmd.startBar, cmd.params);
        else playback_.stopNow();
        giveBackReleased();
    }

    playback_.process(input, out, n, pos, sampleRate_, controls.playback);
    giveBackReleased();
    report_.state.store(static_cast<int>(playback_.state()), std::memory_order_relaxed);
    report_.take.store(playback_.reportedTake(), std::memory_order_relaxed);
    report_.bar.store(playback_.reportedBar(), std::memory_order_relaxed);
    report_.pendingBar.store(playback_.pendingBar(), std::memory_order_relaxed);
    if (popped > 0) report_.applied.fetch_add(popped, std::memory_order_release);
    counters_.blocks.fetch_add(1, std::memory_order_relaxed);
}

} // namespace sb
