// Tests that captures cut exactly the requested bar from the history, and refuse bars not heard whole.
#include "../core/AudioEngine.hpp"
#include "../core/Capture.hpp"
#include "Check.hpp"

#include <cmath>
#include <random>

using namespace sb;

namespace {

// A synthetic host: plays a timeline whose sample s holds the value s (left) and -s (right), with
// a transport the test moves (locate, stop, tempo change), in blocks of varying size.
struct FakeHost {
    double sr = 48000.0;
    double bpm = 120.0;
    Meter meter{4, 4};
    bool playing = true;
    double ppq = 0.0;           // position of the next block
    double noiseFrames = 0;     // > 0: report positions off by up to this many samples (not the first)
    std::mt19937 noise{99};
    std::int64_t sample = 0;    // timeline sample of the next block (drives the signal)
    AudioEngine engine;
    PositionLog log;
    std::vector<float> in[2], out[2];

    explicit FakeHost(double rate, EngineLimits limits = {}) : sr(rate), engine(limits), log(rate)
    {
        engine.activate(sr, 4096);
        for (int c = 0; c < 2; ++c) { in[c].resize(4096); out[c].resize(4096); }
    }
    double fpq() const { return framesPerQuarter(sr, bpm); }
    // Timeline sample of a PPQ when the tempo has been constant since 0.
    void locate(double toPpq) { ppq = toPpq; sample = static_cast<std::int64_t>(std::llround(toPpq * fpq())); }
    void block(std::uint32_t n)
    {
        for (std::uint32_t i = 0; i < n; ++i) {
            in[0][i] = static_cast<float>(sample + i);
            in[1][i] = -static_cast<float>(sample + i);
        }
        const float* ip[2] = {in[0].data(), in[1].data()};
        float* op[2] = {out[0].data(), out[1].data()};
        HostPosition p;
        p.valid = true;
        p.playing = playing;
        p.ppq = ppq;
        if (noiseFrames > 0 && sample > 0)
            p.ppq += std::uniform_real_distribution<double>(-noiseFrames, noiseFrames)(noise) / fpq();
        p.bpm = bpm;
        p.meter = meter;
        p.hostFrame = sample;
        engine.process(ip, op, n, p, Controls{});
        drain();
        if (playing) { ppq += n / fpq(); sample += n; }
        else sample += n; // the signal keeps coming while stopped (live input)
    }
    void drain()
    {
        BlockRecord r;
        while (engine.records().tryPop(r)) log.append(r);
    }
    void play(std::int64_t frames, std::mt19937& rng)
    {
        std::uniform_int_distribution<int> len(1, 1024);
        while (frames > 0) {
            const auto n = static_cast<std::uint32_t>(std::min<std::int64_t>(frames, len(rng)));
            block(n);
            frames -= n;
        }
    }
};

// The samples bar k holds on a timeline with constant tempo from PPQ 0 at sample 0.
void checkBarIsTimeline(const CaptureResult& r, double barLen, std::int64_t k)
{
    const std::int64_t start = static_cast<std::int64_t>(std::floor(k * barLen + 0.5));
    const std::int64_t end = static_cast<std::int64_t>(std::floor((k + 1) * barLen + 0.5));
    CHECK(r.status == BarStatus::Ok);
    if (r.status != BarStatus::Ok) { std::printf("  reason: %s\n", r.reason.c_str()); return; }
    CHECK_EQ(r.frames, end - start);
    bool exact = r.frames == end - start;
    for (std::int64_t i = 0; exact && i < r.frames; ++i)
        exact = r.channels[0][i] == static_cast<float>(start + i) && r.channels[1][i] == -static_cast<float>(start + i);
    CHECK(exact);
}

} // namespace

TEST_CASE("every bar captured at 4/4 120 BPM 48 kHz equals the timeline sample for sample")
{
    std::mt19937 rng(1);
    FakeHost h(48000.0);
    h.play(48000 * 2 * 6 + 777, rng); // six bars and a bit
    const double barLen = 4 * h.fpq();
    for (std::int64_t k = 0; k < 6; ++k) checkBarIsTimeline(cutBar(h.log, h.engine.history(), k), barLen, k);
    CHECK(cutBar(h.log, h.engine.history(), 6).status == BarStatus::NotYetHeard);
    CHECK(cutBar(h.log, h.engine.history(), 9).status == BarStatus::NotYetHeard);
}

TEST_CASE("bars in 7/8 at 93 BPM and 44.1 kHz have fractional lengths and still cut exactly")
{
    std::mt19937 rng(2);
    FakeHost h(44100.0);
    h.meter = {7, 8};
    h.bpm = 93.0;
    const double barLen = 3.5 * h.fpq();
    h.play(static_cast<std::int64_t>(barLen * 9), rng);
    for (std::int64_t k = 0; k < 8; ++k) checkBarIsTimeline(cutBar(h.log, h.engine.history(), k), barLen, k);
}

TEST_CASE("bars of 82687.5 samples (4/4, 128 BPM, 44.1 kHz) round their ties up as the host does")
{
    std::mt19937 rng(9);
    FakeHost h(44100.0);
    h.bpm = 128.0;
    const double barLen = 4 * h.fpq();
    CHECK(barLen == 82687.5);
    h.play(static_cast<std::int64_t>(barLen * 7), rng);
    for (std::int64_t k = 0; k < 6; ++k) checkBarIsTimeline(cutBar(h.log, h.engine.history(), k), barLen, k);
}

TEST_CASE("noisy positions with a continuous host frame (DPF's float LV2 extrapolation, JACK ticks) still give exact bars")
{
    std::mt19937 rng(10);
    FakeHost h(48000.0);
    h.noiseFrames = 6.0; // every reported position off by up to 6 samples, either way, after the first
    h.play(48000 * 2 * 5, rng);
    for (std::int64_t k = 1; k < 4; ++k) checkBarIsTimeline(cutBar(h.log, h.engine.history(), k), 4 * h.fpq(), k);
    // A real locate is still a jump: its host frame does not continue.
    h.locate(40.0);
    h.play(48000, rng);
    CHECK(h.log.segments().size() >= 2);
    CHECK(!h.log.segments().back().continuesPrevious);
}

TEST_CASE("a bar during which the transport stopped is refused with the reason")
{
    std::mt19937 rng(3);
    FakeHost h(48000.0);
    h.play(48000 * 3, rng); // 1.5 bars
    h.playing = false;
    h.play(10000, rng);
    h.playing = true;
    h.play(48000 * 4, rng);
    const CaptureResult r = cutBar(h.log, h.engine.history(), 1);
    CHECK(r.status == BarStatus::NotHeardWhole);
    CHECK(r.reason.find("stopped") != std::string::npos);
    CHECK(r.channels[0].empty());
}

TEST_CASE("a bar the transport jumped out of is refused, and a looped bar heard whole is cut from its latest pass")
{
    std::mt19937 rng(4);
    FakeHost h(48000.0);
    const double barLen = 4 * h.fpq();
    // Loop bars 2..3 from PPQ 8 to 16, twice; the first pass begins mid-bar-1 so bar 1 is whole once.
    h.locate(5.0);
    h.play(static_cast<std::int64_t>(std::llround(11.0 * h.fpq())), rng); // to PPQ 16
    h.locate(8.0);
    h.play(static_cast<std::int64_t>(std::llround(8.0 * h.fpq())), rng);
    h.locate(8.0);
    h.play(static_cast<std::int64_t>(std::llround(2.0 * h.fpq())), rng); // into bar 2, then jump away mid-bar
    h.locate(40.0);
    h.play(48000, rng);
    // Bar 2 was last entered at PPQ 8 and left at PPQ 10: refused, even though an older pass was whole.
    CaptureResult r = cutBar(h.log, h.engine.history(), 2);
    CHECK(r.status == BarStatus::NotHeardWhole);
    CHECK(r.reason.find("jumped") != std::string::npos);
    // Bar 3's latest whole pass is the second loop pass.
    r = cutBar(h.log, h.engine.history(), 3);
    checkBarIsTimeline(r, barLen, 3);
    // Bar 1 was entered at PPQ 5 (after its start): never heard from its start.
    CHECK(cutBar(h.log, h.engine.history(), 1).status == BarStatus::NotInHistory);
}

TEST_CASE("a tempo change at a bar line keeps the next bar exact in the new tempo")
{
    std::mt19937 rng(5);
    FakeHost h(48000.0);
    h.play(static_cast<std::int64_t>(4 * 4 * h.fpq()), rng); // bars 0..3 at 120
    // The block that starts at PPQ 16 reports 90 BPM; the timeline signal keeps counting samples.
    const std::int64_t changeSample = h.sample;
    h.bpm = 90.0;
    h.play(static_cast<std::int64_t>(4 * 2 * h.fpq()) + 5, rng);
    const CaptureResult r = cutBar(h.log, h.engine.history(), 4);
    CHECK(r.status == BarStatus::Ok);
    CHECK_EQ(r.frames, static_cast<std::int64_t>(std::floor(4 * h.fpq() + 0.5)));
    CHECK(!r.channels[0].empty() && r.channels[0][0] == static_cast<float>(changeSample));
}

TEST_CASE("a bar older than the history is refused instead of returning overwritten audio")
{
    std::mt19937 rng(6);
    EngineLimits small;
    small.minBpm = 120.0;
    small.historyBars = 2;
    small.marginSeconds = 0.1;
    FakeHost h(48000.0, small);
    h.play(48000 * 2 * 6, rng);
    const CaptureResult r = cutBar(h.log, h.engine.history(), 0);
    CHECK(r.status == BarStatus::NotInHistory);
    CHECK(r.reason.find("older") != std::string::npos || r.reason.find("not in the history") != std::string::npos);
    checkBarIsTimeline(cutBar(h.log, h.engine.history(), 4), 4 * h.fpq(), 4);
}

TEST_CASE("the last complete bar at a capture trigger is the bar that ended at or before it")
{
    std::mt19937 rng(7);
    FakeHost h(48000.0);
    h.play(48000 * 5 + 100, rng); // 2.5 bars and 100 samples
    std::int64_t bar = -9;
    CHECK(h.log.lastCompleteBarAt(h.engine.history().written(), bar));
    CHECK_EQ(bar, std::int64_t(1));
    CHECK(h.log.lastCompleteBarAt(96000, bar)); // exactly on the line of bar 1
    CHECK_EQ(bar, std::int64_t(0));
    CHECK(h.log.lastCompleteBarAt(95999, bar));
    CHECK_EQ(bar, std::int64_t(-1));
}

TEST_CASE("the Capture parameter's rising edge, and only that, emits one trigger at the block end")
{
    AudioEngine e;
    e.activate(48000.0, 512);
    std::vector<float> buf(512, 0.f);
    const float* ip[2] = {buf.data(), buf.data()};
    std::vector<float> o0(512), o1(512);
    float* op[2] = {o0.data(), o1.data()};
    HostPosition p;
    Controls c;
    for (float v : {0.f, 1.f, 1.f, 0.f, 0.7f, 0.2f}) {
        c.capture = v;
        e.process(ip, op, 512, p, c);
    }
    CaptureTrigger t;
    CHECK(e.triggers().tryPop(t));
    CHECK_EQ(t.ringFrame, std::int64_t(1024));
    CHECK(e.triggers().tryPop(t));
    CHECK_EQ(t.ringFrame, std::int64_t(2560));
    CHECK(!e.triggers().tryPop(t));
}

TEST_CASE("processing in place passes the input through untouched when no take plays")
{
    AudioEngine e;
    e.activate(44100.0, 256);
    std::vector<float> l(256), r(256);
    for (int i = 0; i < 256; ++i) { l[i] = std::sin(i * 0.1f); r[i] = std::cos(i * 0.1f); }
    const std::vector<float> l0 = l, r0 = r;
    float* io[2] = {l.data(), r.data()};
    HostPosition p;
    p.valid = true;
    p.playing = true;
    e.process(io, io, 256, p, Controls{});
    CHECK(l == l0);
    CHECK(r == r0);
}

TEST_CASE("several bars captured in one pass report the timeline sample of their first frame")
{
    std::mt19937 rng(8);
    FakeHost h(44100.0);
    h.meter = {5, 4};
    h.bpm = 133.0;
    const double barLen = 5 * h.fpq();
    h.play(static_cast<std::int64_t>(barLen * 6), rng);
    const CaptureResult r = cutBar(h.log, h.engine.history(), 2, 3);
    CHECK(r.status == BarStatus::Ok);
    const std::int64_t start = static_cast<std::int64_t>(std::floor(2 * barLen + 0.5));
    const std::int64_t end = static_cast<std::int64_t>(std::floor(5 * barLen + 0.5));
    CHECK_EQ(r.frames, end - start);
    CHECK_EQ(r.hostStartSample, start);
    CHECK(!r.channels[0].empty() && r.channels[0][0] == static_cast<float>(start) && r.channels[0].back() == static_cast<float>(end - 1));
    CHECK(cutBar(h.log, h.engine.history(), 4, 3).status == BarStatus::NotYetHeard);
}

TEST_MAIN
