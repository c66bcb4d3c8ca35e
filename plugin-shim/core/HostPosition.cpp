// Recovery of the exact PPQ position from DPF's per-format bar/beat/tick (see HostPosition.hpp).
#include "HostPosition.hpp"

#include <cmath>

namespace sb {

HostPosition PositionDecoder::decode(const DpfTimeFields& t, std::uint32_t frames) noexcept
{
    HostPosition p;
    p.playing = t.playing;
    p.hostFrame = static_cast<std::int64_t>(t.frame);
    p.bpm = t.beatsPerMinute;
    p.meter.num = static_cast<int>(std::lround(t.beatsPerBar));
    p.meter.den = static_cast<int>(std::lround(t.beatType));
    p.valid = t.bbtValid && t.beatsPerMinute > 0.0 && std::isfinite(t.beatsPerMinute) && meterIsSupported(p.meter)
              && t.ticksPerBeat > 0.0 && t.bar >= 1;
    if (!p.valid) {
        havePrev_ = false;
        return p;
    }
    const double beatInBar = (t.beat - 1) + t.tick / t.ticksPerBeat; // in beats of the wrapper's unit
    switch (format_) {
    case PluginFormat::Vst3: {
        // DPF: ppqPerBar = int(num*4/den); bar = int(ppq)/ppqPerBar + 1; barBeats = fmod(ppq, ppqPerBar)/ppqPerBar*num.
        const int q = p.meter.num * 4 / p.meter.den;
        if (q <= 0) { p.valid = false; break; }
        p.ppq = (t.bar - 1) * static_cast<double>(q) + beatInBar * q / p.meter.num;
        break;
    }
    case PluginFormat::Clap:
        // DPF: beats = whole quarters; bar = beats / num + 1; beat = beats % num + 1; tick = fraction of a quarter.
        p.ppq = (t.bar - 1) * static_cast<double>(p.meter.num) + beatInBar;
        // DPF passes CLAP's steady_time (a running count, not the timeline) as the frame: derive the
        // timeline sample from the PPQ, which holds for a tempo constant since the song start.
        p.hostFrame = roundHalfUp(p.ppq * framesPerQuarter(sampleRate_, p.bpm));
        break;
    case PluginFormat::Lv2:
    case PluginFormat::Other:
    default: {
        const double qpb = quartersPerBar(p.meter);
        p.ppq = (t.bar - 1) * qpb + beatInBar * 4.0 / p.meter.den;
        // Between the host's position events DPF's LV2 wrapper extrapolates bar-beat itself: in single
        // precision, without carrying the bar, and at the wrong speed when the tempo's note value is not
        // the meter's (Ardour 7.3 sends beatsPerMinute in quarter notes with beatUnit 8 in 7/8). The
        // frame it extrapolates is exact, so while the host frame runs on, the position runs on with it
        // from the last discontinuity; a frame jump (locate, loop, start) takes the host's bar/beat again.
        if (format_ == PluginFormat::Lv2 && havePrev_ && prev_.valid && prev_.playing && p.playing
            && p.hostFrame == prev_.hostFrame + static_cast<std::int64_t>(prevFrames_) && p.meter.num == prev_.meter.num
            && p.meter.den == prev_.meter.den)
            p.ppq = prev_.ppq + prevFrames_ / framesPerQuarter(sampleRate_, prev_.bpm);
        break;
    }
    }
    havePrev_ = true;
    prev_ = p;
    prevFrames_ = frames;
    return p;
}

} // namespace sb
