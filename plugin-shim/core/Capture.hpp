// Cuts exactly one bar out of the history ring, using the position log; an error with a reason otherwise.
#pragma once

#include "HistoryRing.hpp"
#include "PositionLog.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb {

struct CaptureResult {
    BarStatus status = BarStatus::NotInHistory;
    std::string reason;           // set when status != Ok
    std::int64_t bar = 0;         // 0-based bar index (starts at PPQ bar * quartersPerBar)
    std::int64_t startFrame = 0;  // ring frames [startFrame, startFrame + frames)
    std::int64_t frames = 0;
    int bars = 1;
    std::int64_t hostStartSample = 0; // timeline sample of the first frame
    double bpm = 0.0;
    Meter meter{};
    std::vector<float> channels[2];
};

// Network thread. Resolves bars [bar, bar + bars) in the log and copies them out of the history.
CaptureResult cutBar(const PositionLog& log, const HistoryRing& history, std::int64_t bar, int bars = 1);

} // namespace sb
