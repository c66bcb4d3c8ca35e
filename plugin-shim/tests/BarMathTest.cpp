// Tests of the plugin's bar/PPQ/sample math and of PPQ recovery from DPF's per-format fields.
#include "../core/BarMath.hpp"
#include "../core/HostPosition.hpp"
#include "Check.hpp"

#include <cmath>

using namespace sb;

TEST_CASE("quarters per bar are exact for odd meters")
{
    CHECK(quartersPerBar({7, 8}) == 3.5);
    CHECK(quartersPerBar({5, 4}) == 5.0);
    CHECK(quartersPerBar({15, 16}) == 3.75);
    CHECK(quartersPerBar({3, 2}) == 6.0);
}

TEST_CASE("bar k starts at the round-half-up sample of k times the exact bar length")
{
    // 7/8 at 93 BPM, 44.1 kHz: bar = 3.5 quarters * 44100*60/93 frames.
    const Meter m{7, 8};
    const double fpq = framesPerQuarter(44100.0, 93.0);
    const double barLen = quartersPerBar(m) * fpq;
    for (std::int64_t k = 0; k < 200; ++k) {
        const std::int64_t expected = static_cast<std::int64_t>(std::floor(k * barLen + 0.5));
        CHECK_EQ(sampleOffsetOfPpq(0.0, barStartPpq(k, m), fpq), expected);
    }
    CHECK(roundHalfUp(2.5) == 3);
    CHECK(roundHalfUp(-2.5) == -2);
    CHECK(roundHalfUp(2.4999) == 2);
    // A tie rebuilt from float PPQ lands a hair below .5 and must still round up (82687.5-sample bars).
    CHECK(roundHalfUp(82687.5 - 1e-9) == 82688);
    CHECK(roundHalfUp(3 * 82687.5 - 3e-9) == 248063);
}

TEST_CASE("the bar at a PPQ tolerates float noise just below a bar line")
{
    const Meter m{7, 8};
    CHECK_EQ(barAtPpq(3.5 * 10 - 1e-12, m), std::int64_t(10));
    CHECK_EQ(barAtPpq(3.5 * 10 - 1e-6, m), std::int64_t(9));
    CHECK_EQ(barAtPpq(0.0, m), std::int64_t(0));
    CHECK_EQ(barAtPpq(-0.1, m), std::int64_t(-1));
}

TEST_CASE("the next bar line is the first whose sample is at or after the block start")
{
    const Meter m{4, 4};
    const double fpq = framesPerQuarter(48000.0, 120.0); // 24000 frames per quarter
    CHECK_EQ(nextBarAtOrAfter(0.0, m, fpq), std::int64_t(0));
    CHECK_EQ(nextBarAtOrAfter(0.1, m, fpq), std::int64_t(1));
    CHECK_EQ(nextBarAtOrAfter(4.0 - 0.4 / fpq, m, fpq), std::int64_t(1)); // bar line 0.4 samples ahead rounds onto the block start
    CHECK_EQ(nextBarAtOrAfter(4.0 - 0.6 / fpq, m, fpq), std::int64_t(1));
    CHECK_EQ(nextBarAtOrAfter(4.0 + 0.4 / fpq, m, fpq), std::int64_t(1)); // bar line 0.4 samples behind still rounds onto it
    CHECK_EQ(nextBarAtOrAfter(4.0 + 0.6 / fpq, m, fpq), std::int64_t(2));
}

TEST_CASE("history sizing holds eight 4/4 bars at 20 BPM and 192 kHz")
{
    const std::int64_t frames = historyFramesNeeded(192000.0, 20.0, 4.0, 8, 0);
    CHECK_EQ(frames, std::int64_t(8 * 4 * 3 * 192000)); // 8 bars x 4 quarters x 3 s x 192000
}

TEST_CASE("unsupported meters are rejected")
{
    CHECK(meterIsSupported({7, 8}));
    CHECK(!meterIsSupported({7, 6}));
    CHECK(!meterIsSupported({0, 4}));
    CHECK(!meterIsSupported({4, 0}));
}

static DpfTimeFields vst3Fields(double ppq, int num, int den, double bpm)
{
    // What DPF 1.6's VST3 wrapper computes from project_time_quarters (integer quarters per bar).
    DpfTimeFields t;
    t.playing = true;
    t.bbtValid = true;
    const int q = num * 4 / den;
    const double barBeats = (std::fmod(ppq, q) / q) * num;
    const double rest = std::fmod(barBeats, 1.0);
    t.bar = static_cast<std::int32_t>(ppq) / q + 1;
    t.beat = static_cast<std::int32_t>(barBeats - rest + 0.5) + 1;
    t.tick = rest * 1920.0;
    t.beatsPerBar = static_cast<float>(num);
    t.beatType = static_cast<float>(den);
    t.beatsPerMinute = bpm;
    return t;
}

static DpfTimeFields clapFields(double ppq, int num, int den, double bpm)
{
    // What DPF 1.6's CLAP wrapper computes from song_pos_beats (quarters, 31-bit fixed point).
    DpfTimeFields t;
    t.playing = true;
    t.bbtValid = true;
    const std::int64_t fixed = static_cast<std::int64_t>(std::llround(ppq * 2147483648.0));
    const std::int64_t beats = fixed >> 31;
    const double rest = static_cast<double>(fixed & 0x7fffffff) / 2147483648.0;
    t.bar = static_cast<std::int32_t>(beats) / num + 1;
    t.beat = static_cast<std::int32_t>(beats % num) + 1;
    t.tick = rest * 1920.0;
    t.beatsPerBar = static_cast<float>(num);
    t.beatType = static_cast<float>(den);
    t.beatsPerMinute = bpm;
    return t;
}

static DpfTimeFields lv2Fields(double ppq, int num, int den, double bpm, std::uint64_t frame)
{
    // Ardour's time:bar / time:barBeat (beats of the meter's unit), as DPF's LV2 wrapper stores them.
    DpfTimeFields t;
    t.playing = true;
    t.bbtValid = true;
    const double qpb = num * 4.0 / den;
    const double bar = std::floor(ppq / qpb);
    const double barBeat = (ppq - bar * qpb) * den / 4.0;
    const double rest = std::fmod(barBeat, 1.0);
    t.bar = static_cast<std::int32_t>(bar) + 1;
    t.beat = static_cast<std::int32_t>(std::round(barBeat - rest + 1.0));
    t.tick = rest * 1920.0;
    t.beatsPerBar = static_cast<float>(num);
    t.beatType = static_cast<float>(den);
    t.beatsPerMinute = bpm;
    t.frame = frame;
    return t;
}

TEST_CASE("the VST3 position decodes to the exact PPQ even in 7/8 where DPF's bar is wrong")
{
    PositionDecoder d(PluginFormat::Vst3);
    for (double ppq : {0.0, 3.4, 3.5, 10.25, 35.0, 123.456}) {
        const HostPosition p = d.decode(vst3Fields(ppq, 7, 8, 93.0), 512);
        CHECK(p.valid);
        CHECK(std::fabs(p.ppq - ppq) < 1e-9);
        CHECK_EQ(barAtPpq(p.ppq, p.meter), static_cast<std::int64_t>(std::floor(ppq / 3.5 + 1e-12)));
    }
}

TEST_CASE("the CLAP position decodes to the exact PPQ in 6/8 and 5/4")
{
    PositionDecoder d(PluginFormat::Clap);
    for (double ppq : {0.0, 2.99, 3.0, 17.5, 1000.125}) {
        for (Meter m : {Meter{6, 8}, Meter{5, 4}}) {
            const HostPosition p = d.decode(clapFields(ppq, m.num, m.den, 140.0), 256);
            CHECK(std::fabs(p.ppq - ppq) < 1e-8);
        }
    }
}

TEST_CASE("the LV2 position decodes from bar and bar-beat and repairs DPF's missing bar carry")
{
    PositionDecoder d(PluginFormat::Lv2);
    d.setSampleRate(48000.0);
    const double fpq = framesPerQuarter(48000.0, 120.0);
    HostPosition p = d.decode(lv2Fields(3.5 - 600 / fpq, 7, 8, 120.0, 1000), 600);
    CHECK(std::fabs(p.ppq - (3.5 - 600 / fpq)) < 1e-9);
    // DPF extrapolated the beat past the bar line without carrying the bar: bar still 1, beat wrapped to 0.
    DpfTimeFields wrong = lv2Fields(3.5, 7, 8, 120.0, 1600);
    wrong.bar = 1;
    p = d.decode(wrong, 600);
    CHECK(std::fabs(p.ppq - 3.5) < 1e-9);
    // A real jump (the frame does not continue) is believed as reported.
    p = d.decode(lv2Fields(0.5, 7, 8, 120.0, 99999), 600);
    CHECK(std::fabs(p.ppq - 0.5) < 1e-9);
}

TEST_CASE("the LV2 position runs on with the host frame when DPF's extrapolated bar-beat goes wrong (Ardour, 7/8)")
{
    PositionDecoder d(PluginFormat::Lv2);
    d.setSampleRate(44100.0);
    const double fpq = framesPerQuarter(44100.0, 93.0);
    // The first block comes from the host: exact.
    HostPosition p = d.decode(lv2Fields(0.0, 7, 8, 93.0, 0), 256);
    CHECK(p.ppq == 0.0);
    // Then DPF extrapolates at half speed (beats per minute read as eighths): the fields lag behind.
    for (int b = 1; b < 400; ++b) {
        const double truth = b * 256 / fpq;
        p = d.decode(lv2Fields(truth / 2, 7, 8, 93.0, static_cast<std::uint64_t>(b) * 256), 256);
        if (std::fabs(p.ppq - truth) > 1e-9) { CHECK(std::fabs(p.ppq - truth) <= 1e-9); break; }
    }
    // A locate (the frame jumps) takes the host's position again.
    p = d.decode(lv2Fields(35.0, 7, 8, 93.0, 999999), 256);
    CHECK(std::fabs(p.ppq - 35.0) < 1e-9);
}

TEST_CASE("VST3 positions rounded to 1/1920 quarter (Ardour 7.3) decode exactly from the host frame, also after a locate")
{
    PositionDecoder d(PluginFormat::Vst3);
    d.setSampleRate(44100.0);
    const double fpq = framesPerQuarter(44100.0, 93.0);
    auto rounded = [](double ppq) { return std::round(ppq * 1920.0) / 1920.0; };
    bool exact = true;
    for (int b = 0; b < 500; ++b) {
        const std::int64_t frame = 256LL * b;
        DpfTimeFields f = vst3Fields(rounded(frame / fpq), 7, 8, 93.0);
        f.frame = static_cast<std::uint64_t>(frame);
        exact = exact && std::fabs(d.decode(f, 256).ppq - frame / fpq) < 1e-9;
    }
    CHECK(exact);
    const std::int64_t located = 1234567;
    DpfTimeFields f = vst3Fields(rounded(located / fpq), 7, 8, 93.0);
    f.frame = static_cast<std::uint64_t>(located);
    CHECK(std::fabs(d.decode(f, 256).ppq - located / fpq) < 1e-9);
    // A position far from frame / fpq (an earlier tempo change) is believed as reported.
    f = vst3Fields(100.25, 7, 8, 93.0);
    f.frame = 999;
    CHECK(std::fabs(d.decode(f, 256).ppq - 100.25) < 1e-9);
}

TEST_CASE("a position without a valid meter or tempo is marked invalid")
{
    PositionDecoder d(PluginFormat::Lv2);
    DpfTimeFields t = lv2Fields(1.0, 4, 4, 120.0, 0);
    t.bbtValid = false;
    CHECK(!d.decode(t, 64).valid);
    t = lv2Fields(1.0, 4, 4, 0.0, 0);
    CHECK(!d.decode(t, 64).valid);
    t = lv2Fields(1.0, 4, 3, 120.0, 0);
    CHECK(!d.decode(t, 64).valid);
}

TEST_MAIN
