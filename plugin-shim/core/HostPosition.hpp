// The host's transport position for one block, and its recovery from what DPF's wrappers report per format.
#pragma once

#include "BarMath.hpp"

#include <cstdint>

namespace sb {

// One block's transport state as the core uses it. ppq is in quarter notes from the song start.
struct HostPosition {
    bool valid = false;   // the host gave a musical position (PPQ, tempo, meter)
    bool playing = false; // the transport rolls
    double ppq = 0.0;     // position of the block's first sample, in quarters
    double bpm = 120.0;   // tempo in quarter notes per minute
    Meter meter{};
    std::int64_t hostFrame = 0; // the host's sample position (format-dependent, informative)
};

// The fields of DPF's TimePosition, copied so this code needs no DPF header.
struct DpfTimeFields {
    bool playing = false;
    std::uint64_t frame = 0;
    bool bbtValid = false;
    std::int32_t bar = 1;      // 1-based
    std::int32_t beat = 1;     // 1-based
    double tick = 0.0;
    double ticksPerBeat = 1920.0;
    float beatsPerBar = 4.f;
    float beatType = 4.f;
    double beatsPerMinute = 120.0;
};

enum class PluginFormat { Lv2, Vst3, Clap, Other };

// Hosts quantize musical positions to ticks (Ardour: 1920 per quarter, rounded; JACK: per beat,
// truncated); a difference up to this many quarters is such quantization.
constexpr double kTickTolerancePpq = 1.0 / 960.0;

// Rebuilds the exact PPQ of each block from DPF's bar/beat/tick, undoing each wrapper's own bar
// arithmetic (DPF 1.6: VST3 uses an integer quarters-per-bar, 3 in 7/8; CLAP divides quarters by the
// numerator; LV2 extrapolates between host position events in float, without carrying the bar, and at
// half speed in x/8 meters under Ardour), and locking LV2/VST3 positions to the exact host frame.
// The tempo is taken as quarter notes per minute.
// One decoder per plugin instance, called on the audio thread.
class PositionDecoder {
public:
    explicit PositionDecoder(PluginFormat f) noexcept : format_(f) {}
    void setSampleRate(double sr) noexcept { sampleRate_ = sr; }
    void reset() noexcept { havePrev_ = false; }

    // [rt] Decodes one block's fields; `frames` is the block length (used to predict the next block).
    HostPosition decode(const DpfTimeFields& t, std::uint32_t frames) noexcept;

private:
    PluginFormat format_;
    double sampleRate_ = 48000.0;
    bool havePrev_ = false;
    HostPosition prev_{};
    std::uint32_t prevFrames_ = 0;
};

} // namespace sb
