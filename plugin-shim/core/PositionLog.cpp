// Position log and bar resolution (see PositionLog.hpp).
#include "PositionLog.hpp"

#include <algorithm>
#include <cmath>

namespace sb {

namespace {
double ppqAt(const Segment& s, std::int64_t frame, double sr)
{
    return s.ppqStart + static_cast<double>(frame - s.ringStart) / framesPerQuarter(sr, s.bpm);
}
bool sameMeter(Meter a, Meter b) { return a.num == b.num && a.den == b.den; }
} // namespace

void PositionLog::append(const BlockRecord& r)
{
    const HostPosition& p = r.pos;
    if (!segments_.empty()) {
        Segment& last = segments_.back();
        const bool adjacent = last.ringEnd == r.ringFrame;
        if (adjacent && last.valid == p.valid && last.playing == p.playing && !p.playing) {
            last.ringEnd += r.frames; // stopped or unknown: one segment, positions do not matter
            return;
        }
        if (adjacent && last.valid && p.valid && last.playing && p.playing && sameMeter(last.meter, p.meter)) {
            const double predicted = ppqAt(last, r.ringFrame, sampleRate_);
            const double diff = p.ppq - predicted;
            // Exact hosts agree to a fraction of a sample. Some positions carry more noise while the
            // host's own frame counter runs on exactly: DPF's LV2 wrapper extrapolates bar-beat in
            // single precision between position events (jalv sends one only on a discontinuity), and
            // JACK timebase masters truncate to whole ticks. With the frame continuous, a difference
            // that small is noise: the segment keeps its first position as its anchor.
            const bool frameContinued = p.hostFrame == last.hostFrameStart + (r.ringFrame - last.ringStart);
            const bool continuous = std::fabs(diff) * framesPerQuarter(sampleRate_, p.bpm) < kContinuityToleranceFrames
                                    || (frameContinued && std::fabs(diff) < kQuantizedPpqTolerance);
            if (continuous && p.bpm == last.bpm) {
                last.ringEnd += r.frames;
                return;
            }
            if (continuous) {
                Segment s{r.ringFrame, r.ringFrame + r.frames, predicted, p.bpm, p.meter, true, true, true, p.hostFrame};
                segments_.push_back(s);
                if (segments_.size() > maxSegments_) segments_.pop_front();
                return;
            }
        }
    }
    Segment s{r.ringFrame, r.ringFrame + r.frames, p.ppq, p.bpm, p.meter, p.valid, p.playing, false, p.hostFrame};
    segments_.push_back(s);
    if (segments_.size() > maxSegments_) segments_.pop_front();
}

void PositionLog::prune(std::int64_t oldest)
{
    while (!segments_.empty() && segments_.front().ringEnd <= oldest) segments_.pop_front();
}

BarSpan PositionLog::resolveBar(std::int64_t bar, int bars) const
{
    BarSpan firstFailure;
    bool failed = false;
    for (std::size_t i = segments_.size(); i-- > 0;) {
        const Segment& s = segments_[i];
        if (!s.valid || !s.playing) continue;
        const double fpq = framesPerQuarter(sampleRate_, s.bpm);
        const double startPpq = barStartPpq(bar, s.meter);
        const std::int64_t start = roundHalfUp(static_cast<double>(s.ringStart) + (startPpq - s.ppqStart) * fpq);
        if (start < s.ringStart || start >= s.ringEnd) continue;
        // Walk forward to the bar's end through segments that continue this one.
        const double endPpq = barStartPpq(bar + bars, s.meter);
        for (std::size_t j = i;; ++j) {
            const Segment& c = segments_[j];
            const std::int64_t end =
                roundHalfUp(static_cast<double>(c.ringStart) + (endPpq - c.ppqStart) * framesPerQuarter(sampleRate_, c.bpm));
            if (end <= c.ringEnd) {
                BarSpan ok;
                ok.status = BarStatus::Ok;
                ok.startFrame = start;
                ok.endFrame = end;
                ok.hostStartSample = s.hostFrameStart + (start - s.ringStart);
                ok.bpm = s.bpm;
                ok.meter = s.meter;
                return ok;
            }
            if (j + 1 == segments_.size()) {
                if (!failed) {
                    BarSpan wait;
                    wait.status = BarStatus::NotYetHeard;
                    wait.reason = "bar " + std::to_string(bar) + " is still playing";
                    return wait;
                }
                break;
            }
            const Segment& n = segments_[j + 1];
            if (n.continuesPrevious && sameMeter(n.meter, s.meter)) continue;
            {
                failed = true;
                firstFailure.status = BarStatus::NotHeardWhole;
                const char* why = !n.valid ? "the host stopped reporting a position"
                                  : !n.playing ? "the transport stopped"
                                  : !sameMeter(n.meter, s.meter) ? "the meter changed"
                                  : "the transport jumped (locate or loop)";
                firstFailure.reason = "bar " + std::to_string(bar) + " was not heard whole: " + why + " inside it";
            }
            // The latest pass decides: an older whole pass may hold material the producer has since replaced.
            return firstFailure;
        }
    }
    if (failed) return firstFailure;
    // Not found: ahead of the playhead, or not (or no longer) in the history.
    for (std::size_t i = segments_.size(); i-- > 0;) {
        const Segment& s = segments_[i];
        if (!s.valid) continue;
        if (s.playing && i + 1 == segments_.size()
            && ppqAt(s, s.ringEnd, sampleRate_) <= barStartPpq(bar + bars, s.meter) + kPpqEpsilon) {
            BarSpan wait;
            wait.status = BarStatus::NotYetHeard;
            wait.reason = "bar " + std::to_string(bar) + " has not been played yet";
            return wait;
        }
        break;
    }
    BarSpan none;
    none.status = BarStatus::NotInHistory;
    none.reason = "bar " + std::to_string(bar) + " is not in the history (not played while the plugin listened, or too old)";
    return none;
}

bool PositionLog::lastCompleteBarAt(std::int64_t at, std::int64_t& bar) const
{
    for (std::size_t i = segments_.size(); i-- > 0;) {
        const Segment& s = segments_[i];
        if (s.ringStart > at) continue;
        if (!s.valid || !s.playing) continue;
        const std::int64_t frame = at < s.ringEnd ? at : s.ringEnd;
        const double fpq = framesPerQuarter(sampleRate_, s.bpm);
        std::int64_t current = barAtPpq(ppqAt(s, frame, sampleRate_), s.meter);
        // The bar containing `frame` by the sample rule (its start sample is at or before frame).
        while (roundHalfUp(static_cast<double>(s.ringStart) + (barStartPpq(current + 1, s.meter) - s.ppqStart) * fpq) <= frame)
            ++current;
        while (roundHalfUp(static_cast<double>(s.ringStart) + (barStartPpq(current, s.meter) - s.ppqStart) * fpq) > frame)
            --current;
        bar = current - 1;
        return true;
    }
    return false;
}

} // namespace sb
