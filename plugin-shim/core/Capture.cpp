// Cuts one bar out of the history ring (see Capture.hpp).
#include "Capture.hpp"

namespace sb {

CaptureResult cutBar(const PositionLog& log, const HistoryRing& history, std::int64_t bar, int bars)
{
    CaptureResult r;
    r.bar = bar;
    r.bars = bars;
    const BarSpan span = log.resolveBar(bar, bars);
    r.status = span.status;
    r.reason = span.reason;
    if (span.status != BarStatus::Ok) return r;
    r.startFrame = span.startFrame;
    r.frames = span.endFrame - span.startFrame;
    r.bpm = span.bpm;
    r.hostStartSample = span.hostStartSample;
    r.meter = span.meter;
    for (auto& c : r.channels) c.assign(static_cast<std::size_t>(r.frames), 0.f);
    float* out[2] = {r.channels[0].data(), r.channels[1].data()};
    switch (history.copyOut(r.startFrame, r.frames, out)) {
    case HistoryRing::CopyResult::Ok: return r;
    case HistoryRing::CopyResult::NotYetWritten:
        r.status = BarStatus::NotYetHeard;
        r.reason = "bar " + std::to_string(bar) + " is not fully in the history yet";
        break;
    case HistoryRing::CopyResult::Overwritten:
        r.status = BarStatus::NotInHistory;
        r.reason = "bar " + std::to_string(bar) + " is older than the history holds";
        break;
    }
    for (auto& c : r.channels) c.clear();
    return r;
}

} // namespace sb
