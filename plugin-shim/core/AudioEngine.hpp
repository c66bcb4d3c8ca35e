// The audio-thread side of the plugin: pass-through, history, position records, capture trigger, playback.
#pragma once

#include "HistoryRing.hpp"
#include "Playback.hpp"
#include "PositionLog.hpp"
#include "SpscRing.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace sb {

// Sizing of everything allocated in activate(). Defaults beside their declarations.
struct EngineLimits {
    int historyBars = 8;               // bars the history must hold at the slowest tempo...
    double minBpm = 20.0;              // ...which is this (quarter notes per minute)...
    double maxQuartersPerBar = 4.0;    // ...for bars up to this long (4/4, 7/8, 12/16); wider bars hold 8 bars down to 20*q/4 BPM
    double marginSeconds = 1.0;        // extra history the capture reader keeps clear of the writer
    std::size_t recordRing = 16384;    // block position records in flight to the network thread
    std::size_t eventRing = 256;       // capture triggers in flight
    std::size_t commandRing = 64;      // play/stop commands from the network thread
    std::size_t returnRing = 256;      // takes handed back for freeing
};

// Commands from the network thread to the audio thread.
struct Command {
    enum Kind : std::uint8_t { Play, Stop, StopNow } kind = Play;
    Take* take = nullptr; // lent to the audio thread until it comes back through returns()
    std::int64_t startBar = Playback::kNextBar;
    PlayParams params{};
};

// A capture asked for by the plugin's "Capture" parameter (rising edge): the last complete bar
// at or before ringFrame.
struct CaptureTrigger {
    std::int64_t ringFrame = 0;
};

// Counters written by the audio thread (relaxed atomics), read by the network thread for reports.
struct EngineCounters {
    std::atomic<std::uint64_t> blocks{0};
    std::atomic<std::uint64_t> droppedRecords{0}; // position records lost (network thread stalled)
    std::atomic<std::uint64_t> droppedEvents{0};  // capture triggers lost
    std::atomic<std::uint64_t> underruns{0};      // blocks that wanted a take it did not hold
    std::atomic<std::uint64_t> oversizedBlocks{0};// blocks longer than activate() was told (split)
};

struct Controls {
    float capture = 0.f; // rising edge across 0.5 triggers a capture
    PlaybackParams playback{};
};

// Playback state published by the audio thread after each block for `status` (relaxed; informative).
struct PlaybackReport {
    std::atomic<int> state{0}; // Playback::State
    std::atomic<std::uint32_t> take{0};
    std::atomic<std::int64_t> bar{-1};
    std::atomic<std::int64_t> pendingBar{-1}; // where the last armed command takes over, once resolved
    // Commands taken from the command ring so far; stored last (release) after the fields above.
    std::atomic<std::uint64_t> applied{0};
};

class AudioEngine {
public:
    explicit AudioEngine(EngineLimits limits = {}) : limits_(limits) {}
    ~AudioEngine();

    // Not real-time (allocates). Called while the audio thread is stopped.
    void activate(double sampleRate, std::uint32_t maxBlock);
    // Not real-time. Frees takes still held. Call after the network thread stopped.
    void deactivate();

    // [rt] One block. in/out may alias.
    void process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                 const Controls& controls) noexcept;

    // Channels between threads; their reader/writer is in each comment.
    SpscRing<BlockRecord>& records() { return *records_; }     // audio -> network
    SpscRing<CaptureTrigger>& triggers() { return *triggers_; } // audio -> network
    SpscRing<Command>& commands() { return *commands_; }       // network -> audio
    SpscRing<Take*>& returns() { return *returns_; }           // audio -> network (free these)
    HistoryRing& history() { return history_; }                 // audio writes, network reads
    EngineCounters& counters() { return counters_; }
    PlaybackReport& report() { return report_; }
    double sampleRate() const noexcept { return sampleRate_; }
    bool active() const noexcept { return active_; }
    const EngineLimits& limits() const noexcept { return limits_; }

private:
    void processChunk(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos,
                      const Controls& controls) noexcept;
    void giveBackReleased() noexcept;

    EngineLimits limits_;
    double sampleRate_ = 48000.0;
    std::uint32_t maxBlock_ = 0;
    bool active_ = false;
    std::vector<float> scratch_[2];
    HistoryRing history_;
    Playback playback_;
    float lastCapture_ = 0.f;
    std::unique_ptr<SpscRing<BlockRecord>> records_{new SpscRing<BlockRecord>(16)};
    std::unique_ptr<SpscRing<CaptureTrigger>> triggers_{new SpscRing<CaptureTrigger>(16)};
    std::unique_ptr<SpscRing<Command>> commands_{new SpscRing<Command>(16)};
    std::unique_ptr<SpscRing<Take*>> returns_{new SpscRing<Take*>(16)};
    EngineCounters counters_;
    PlaybackReport report_;
};

} // namespace sb
