// Log of the host positions of every block in the history, kept as continuous segments, mapping bars to ring frames.
#pragma once

#include "HostPosition.hpp"

#include <cstdint>
#include <deque>
#include <string>

namespace sb {

// What the audio thread records for each block (pushed through an SpscRing to the network thread).
struct BlockRecord {
    std::int64_t ringFrame = 0; // first frame of the block in the history ring
    std::uint32_t frames = 0;
    HostPosition pos{};
};

// A run of blocks with one tempo and meter whose positions continue each other.
struct Segment {
    std::int64_t ringStart = 0, ringEnd = 0; // [ringStart, ringEnd)
    double ppqStart = 0.0;
    double bpm = 120.0;
    Meter meter{};
    bool valid = false, playing = false;
    bool continuesPrevious = false; // the previous segment flows into this one without a jump
    std::int64_t hostFrameStart = 0; // the host's timeline sample at ringStart
};

enum class BarStatus {
    Ok,            // [startFrame, endFrame) holds the whole bar
    NotYetHeard,   // the bar lies ahead of (or overlaps) the playhead: wait
    NotHeardWhole, // transport stopped, jumped or looped inside the bar
    NotInHistory,  // never played while the plugin listened, or older than the history
};

struct BarSpan {
    BarStatus status = BarStatus::NotInHistory;
    std::int64_t startFrame = 0, endFrame = 0;
    std::int64_t hostStartSample = 0; // timeline sample of startFrame
    double bpm = 0.0;
    Meter meter{};
    std::string reason; // for every status but Ok
};

// Owned by the network thread (not real-time).
class PositionLog {
public:
    // Limit: segments kept; the oldest are dropped first. Tempo ramps create one segment per block.
    static constexpr std::size_t kDefaultMaxSegments = 65536;
    explicit PositionLog(double sampleRate = 48000.0, std::size_t maxSegments = kDefaultMaxSegments)
        : sampleRate_(sampleRate), maxSegments_(maxSegments) {}

    void reset(double sampleRate) { sampleRate_ = sampleRate; segments_.clear(); }
    void append(const BlockRecord& r);
    // Forget segments that end before ring frame `oldest` (the history no longer holds them).
    void prune(std::int64_t oldest);

    // Where bars [bar, bar + bars) (0-based, bar k starting at PPQ k * quartersPerBar) were most
    // recently heard whole, in one pass.
    BarSpan resolveBar(std::int64_t bar, int bars = 1) const;
    // The last bar that ended at or before ring frame `at`; false when no playing position is known.
    bool lastCompleteBarAt(std::int64_t at, std::int64_t& bar) const;

    const std::deque<Segment>& segments() const noexcept { return segments_; }
    double sampleRate() const noexcept { return sampleRate_; }

    // Two positions continue each other when they differ by less than this many samples.
    static constexpr double kContinuityToleranceFrames = 0.5;
    // With the host frame continuous: position differences up to this (quarters) are noise (float
    // extrapolation, tick quantization) rather than a jump.
    static constexpr double kQuantizedPpqTolerance = 1.0 / 960.0;

private:
    double sampleRate_;
    std::size_t maxSegments_;
    std::deque<Segment> segments_;
};

} // namespace sb
