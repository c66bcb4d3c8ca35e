// Bar, PPQ and sample conversions on the plugin side, in floating point from the host's PPQ position.
#pragma once

#include <cmath>
#include <cstdint>

namespace sb {

struct Meter {
    int num = 4; // beats per bar
    int den = 4; // beat unit (4 = quarter note)
};

// Bar k (0-based) starts at PPQ k * quartersPerBar, with quartersPerBar = num * 4 / den (exact, not integer).
inline double quartersPerBar(Meter m) noexcept { return static_cast<double>(m.num) * 4.0 / static_cast<double>(m.den); }
inline double framesPerQuarter(double sampleRate, double bpmQuarters) noexcept { return sampleRate * 60.0 / bpmQuarters; }
inline double barStartPpq(std::int64_t bar, Meter m) noexcept { return static_cast<double>(bar) * quartersPerBar(m); }

// The sample rule shared with the host's timing module: an exact position x (in samples) falls on
// sample floor(x + 0.5) (round half up). Positions rebuilt from a host's PPQ carry ~1e-9 of float
// noise, which would flip exact ties (4/4 at 128 BPM and 44.1 kHz: bars of 82687.5 samples); a
// value this close below a tie counts as the tie.
constexpr double kTieTolerance = 1e-6;
inline std::int64_t roundHalfUp(double x) noexcept { return static_cast<std::int64_t>(std::floor(x + 0.5 + kTieTolerance)); }

// Positions closer than this (in quarters) to a bar line count as on it (host PPQ carries float noise).
constexpr double kPpqEpsilon = 1e-9;

// The bar that contains ppq (0-based; negative before the song start).
inline std::int64_t barAtPpq(double ppq, Meter m) noexcept
{
    return static_cast<std::int64_t>(std::floor(ppq / quartersPerBar(m) + kPpqEpsilon));
}

// Sample offset (relative to the block's first sample, may be negative or beyond the block) of the
// first sample at or after target PPQ, given the block's PPQ and frames per quarter.
inline std::int64_t sampleOffsetOfPpq(double blockPpq, double targetPpq, double fpq) noexcept
{
    return roundHalfUp((targetPpq - blockPpq) * fpq);
}

// The first bar line whose sample is at or after the block's first sample.
std::int64_t nextBarAtOrAfter(double blockPpq, Meter m, double fpq) noexcept;

// Frames the history ring needs to hold `bars` bars at the slowest tempo and highest rate supported,
// for a bar of `maxQuartersPerBar` quarters, plus `marginFrames` for the reader's safety margin.
std::int64_t historyFramesNeeded(double maxSampleRate, double minBpm, double maxQuartersPerBar, int bars,
                                 std::int64_t marginFrames) noexcept;

// Meter validity for the plugin: the numerator 1..64 and the denominator a power of two 1..64.
bool meterIsSupported(Meter m) noexcept;

} // namespace sb
