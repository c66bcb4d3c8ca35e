// Tests that takes start on the bar line sample-exactly, loop per bar, switch at bar lines and follow the host's PPQ.
#include "../core/AudioEngine.hpp"
#include "Check.hpp"

#include <cmath>
#include <memory>
#include <random>

using namespace sb;

namespace {

std::unique_ptr<Take> makeTake(double sr, double bpm, Meter m, int bars, float base, int channels = 2)
{
    std::unique_ptr<Take> t(new Take);
    t->sampleRate = sr;
    t->bpm = bpm;
    t->meter = m;
    t->bars = bars;
    t->channels = channels;
    t->frames = roundHalfUp(bars * quartersPerBar(m) * framesPerQuarter(sr, bpm));
    for (int c = 0; c < channels; ++c) {
        t->data[c].resize(static_cast<std::size_t>(t->frames));
        for (std::int64_t f = 0; f < t->frames; ++f) t->data[c][f] = base + static_cast<float>(f) + (c ? 0.5f : 0.f);
    }
    return t;
}

// Renders `frames` samples from PPQ `ppq` (constant tempo) in blocks of random size; input is -1 everywhere.
struct Renderer {
    double sr, bpm;
    Meter meter;
    Playback pb;
    std::vector<Take*> released;
    std::vector<float> outL, outR;
    double ppq = 0.0;
    bool playing = true;

    Renderer(double rate, double tempo, Meter m) : sr(rate), bpm(tempo), meter(m) {}
    double fpq() const { return framesPerQuarter(sr, bpm); }
    void run(std::int64_t frames, std::mt19937& rng, PlaybackParams params = {}, int maxBlock = 1024)
    {
        std::uniform_int_distribution<int> len(1, maxBlock);
        std::vector<float> in(4096, -1.f), l(4096), r(4096);
        // Block starts are kept on whole samples of the timeline so PPQ = sample / fpq exactly.
        std::int64_t sample = std::llround(ppq * fpq());
        while (frames > 0) {
            const auto n = static_cast<std::uint32_t>(std::min<std::int64_t>(frames, len(rng)));
            HostPosition p;
            p.valid = true;
            p.playing = playing;
            p.ppq = sample / fpq();
            p.bpm = bpm;
            p.meter = meter;
            const float* ip[2] = {in.data(), in.data()};
            float* op[2] = {l.data(), r.data()};
            pb.process(ip, op, n, p, sr, params);
            while (Take* t = pb.takeReleased()) released.push_back(t);
            outL.insert(outL.end(), l.begin(), l.begin() + n);
            outR.insert(outR.end(), r.begin(), r.begin() + n);
            if (playing) sample += n;
            frames -= n;
        }
        ppq = sample / fpq();
    }
};

std::int64_t barSample(std::int64_t k, Meter m, double fpq) { return roundHalfUp(k * quartersPerBar(m) * fpq); }

} // namespace

TEST_CASE("a take scheduled mid-bar starts on the next bar line's sample and loops every bar")
{
    for (auto cfg : {std::make_tuple(48000.0, 120.0, Meter{4, 4}), std::make_tuple(44100.0, 93.0, Meter{7, 8}),
                     std::make_tuple(96000.0, 71.3, Meter{5, 4})}) {
        const double sr = std::get<0>(cfg), bpm = std::get<1>(cfg);
        const Meter m = std::get<2>(cfg);
        std::mt19937 rng(11);
        Renderer r(sr, bpm, m);
        auto take = makeTake(sr, bpm, m, 1, 1000.f);
        r.run(barSample(1, m, r.fpq()) / 3, rng); // a third into bar 0
        r.pb.schedule(take.get(), Playback::kNextBar, PlayParams{});
        const std::int64_t bar1 = barSample(1, m, r.fpq());
        r.run(barSample(4, m, r.fpq()) - static_cast<std::int64_t>(r.outL.size()) + 10, rng);
        CHECK(r.outL[bar1 - 1] == -1.f);      // pass-through until the bar line
        CHECK(r.outL[bar1] == 1000.f);        // the take's first sample on the bar line
        CHECK(r.outR[bar1] == 1000.5f);
        bool exact = true;
        for (std::int64_t k = 1; k < 4; ++k) {
            const std::int64_t s = barSample(k, m, r.fpq()), e = barSample(k + 1, m, r.fpq());
            for (std::int64_t i = s; i < e && exact; ++i) {
                const std::int64_t f = i - s;
                const float want = f < take->frames ? 1000.f + static_cast<float>(f) : 0.f;
                exact = r.outL[i] == want;
            }
        }
        CHECK(exact);
        CHECK(r.outL[barSample(4, m, r.fpq())] == 1000.f);
        r.pb.releaseAll();
    }
}

TEST_CASE("a take requested for bar K waits for bar K")
{
    std::mt19937 rng(12);
    const Meter m{3, 4};
    Renderer r(48000.0, 100.0, m);
    auto take = makeTake(48000.0, 100.0, m, 2, 0.f);
    r.pb.schedule(take.get(), 3, PlayParams{});
    r.run(barSample(6, m, r.fpq()), rng);
    const std::int64_t b3 = barSample(3, m, r.fpq()), b5 = barSample(5, m, r.fpq());
    CHECK(r.outL[b3 - 1] == -1.f);
    CHECK(r.outL[b3] == 0.f);
    CHECK(r.outL[b3 + 100] == 100.f);
    CHECK(r.outL[b5] == 0.f); // a two-bar take restarts two bars later
    CHECK(r.outL[b5 - 1] == static_cast<float>(b5 - 1 - b3));
    r.pb.releaseAll();
}

TEST_CASE("switching to another take happens at the next bar line and hands the old take back")
{
    std::mt19937 rng(13);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 1000.f), b = makeTake(48000.0, 120.0, m, 1, 5000.f);
    r.pb.schedule(a.get(), 0, PlayParams{});
    r.run(barSample(2, m, r.fpq()) + 1234, rng);
    r.pb.schedule(b.get(), Playback::kNextBar, PlayParams{});
    r.run(barSample(4, m, r.fpq()) - static_cast<std::int64_t>(r.outL.size()), rng);
    const std::int64_t b3 = barSample(3, m, r.fpq());
    CHECK(r.outL[b3 - 1] == 1000.f + static_cast<float>(a->frames - 1));
    CHECK(r.outL[b3] == 5000.f);
    CHECK(r.released.size() == 1 && r.released[0] == a.get());
    r.pb.releaseAll();
}

TEST_CASE("mix mode adds the take with gain, replace mode drops the input")
{
    std::mt19937 rng(14);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 10.f, 1); // mono take plays on both outputs
    r.pb.schedule(a.get(), 0, PlayParams{true, 0.5f, true});
    r.run(1000, rng);
    CHECK(r.outL[100] == -1.f + 0.5f * 110.f);
    CHECK(r.outR[100] == -1.f + 0.5f * 110.f);
    PlaybackParams forceReplace{1, 2.f, true}; // the plugin's Mode parameter overrides, its trim multiplies
    r.run(1000, rng, forceReplace);
    CHECK(r.outL[1500] == 1510.f * 0.5f * 2.f);
    PlaybackParams off{0, 1.f, false};
    r.run(1000, rng, off);
    CHECK(r.outL[2500] == -1.f);
    r.pb.releaseAll();
}

TEST_CASE("playback follows a locate by the host's PPQ, not a running counter")
{
    std::mt19937 rng(15);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 2, 0.f);
    r.pb.schedule(a.get(), 0, PlayParams{});
    r.run(30000, rng);
    r.ppq = 13.0; // locate to bar 3 beat 2: one bar plus one beat into an iteration of the two-bar loop
    const std::size_t at = r.outL.size();
    r.run(100, rng);
    CHECK(r.outL[at] == static_cast<float>(barSample(1, m, r.fpq()) + 24000));
    r.pb.releaseAll();
}

TEST_CASE("a stopped transport passes the input through and resumes in phase")
{
    std::mt19937 rng(16);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 0.f);
    r.pb.schedule(a.get(), 0, PlayParams{});
    r.run(5000, rng);
    r.playing = false;
    r.run(5000, rng);
    CHECK(r.outL[7000] == -1.f);
    r.playing = true;
    const std::size_t at = r.outL.size();
    r.run(10, rng);
    CHECK(r.outL[at] == 5000.f);
    r.pb.releaseAll();
}

TEST_CASE("output does not depend on how the host cuts blocks")
{
    const Meter m{7, 8};
    auto a = makeTake(44100.0, 93.0, m, 1, 0.f);
    Renderer one(44100.0, 93.0, m), many(44100.0, 93.0, m);
    std::mt19937 r1(1), r2(2);
    one.pb.schedule(a.get(), Playback::kNextBar, PlayParams{});
    many.pb.schedule(a.get(), Playback::kNextBar, PlayParams{});
    one.run(200000, r1, {}, 4096);
    many.run(200000, r2, {}, 7);
    CHECK(one.outL == many.outL);
    one.pb.releaseAll();
    many.pb.releaseAll();
}

TEST_CASE("a take without loop plays one pass from its bar and then passes the input through")
{
    std::mt19937 rng(17);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 100.f);
    r.pb.schedule(a.get(), 1, PlayParams{false, 1.f, false});
    r.run(barSample(3, m, r.fpq()), rng);
    CHECK(r.outL[barSample(1, m, r.fpq()) - 1] == -1.f);
    CHECK(r.outL[barSample(1, m, r.fpq())] == 100.f);
    CHECK(r.outL[barSample(2, m, r.fpq()) - 1] == 100.f + static_cast<float>(a->frames - 1));
    CHECK(r.outL[barSample(2, m, r.fpq())] == -1.f);
    r.pb.releaseAll();
}

TEST_CASE("stop now fades to the input within 10 ms and hands the take back")
{
    std::mt19937 rng(18);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 100.f);
    r.pb.schedule(a.get(), 0, PlayParams{});
    r.run(10000, rng);
    r.pb.stopNow();
    r.run(1000, rng, {}, 1000);
    CHECK(r.outL[10000] == 100.f + 10000.f);      // fade starts at full level
    CHECK(r.outL[10000 + 480] == -1.f);           // 5 ms later: the input
    CHECK(r.outL[10000 + 120] > -1.f && r.outL[10000 + 120] < 100.f + 10120.f);
    CHECK(r.released.size() == 1 && r.released[0] == a.get());
    CHECK(r.pb.state() == Playback::State::Idle);
}

TEST_CASE("status reports armed with the resolved bar, then playing")
{
    std::mt19937 rng(19);
    const Meter m{4, 4};
    Renderer r(48000.0, 120.0, m);
    auto a = makeTake(48000.0, 120.0, m, 1, 0.f);
    a->id = 42;
    r.run(500, rng);
    r.pb.schedule(a.get(), Playback::kNextBar, PlayParams{});
    CHECK(r.pb.state() == Playback::State::Armed);
    CHECK(r.pb.reportedBar() == -1);
    r.run(500, rng);
    CHECK(r.pb.state() == Playback::State::Armed);
    CHECK(r.pb.reportedBar() == 1);
    CHECK(r.pb.reportedTake() == 42u);
    r.run(barSample(1, m, r.fpq()), rng);
    CHECK(r.pb.state() == Playback::State::Playing);
    CHECK(r.pb.reportedBar() == 1);
    r.pb.releaseAll();
}

TEST_CASE("a switch names the bar it happens at while the old take still plays, and nothing once done")
{
    std::mt19937 rng(23);
    const Meter m{7, 8};
    Renderer r(44100.0, 93.0, m);
    auto a = makeTake(44100.0, 93.0, m, 1, 0.f);
    a->id = 1;
    r.run(300, rng);
    r.pb.schedule(a.get(), Playback::kNextBar, PlayParams{});
    r.run(300, rng);
    CHECK(r.pb.pendingBar() == 1); // a take armed mid-bar 0 waits for bar 1
    r.run(barSample(2, m, r.fpq()) + 77 - 600, rng);
    CHECK(r.pb.state() == Playback::State::Playing);
    CHECK(r.pb.pendingBar() == -1);
    r.pb.schedule(a.get(), Playback::kNextBar, PlayParams{}); // the same take again: restarts on bar 3
    CHECK(r.pb.pendingBar() == -1);                             // not resolved before a rolling block
    r.run(100, rng);
    CHECK(r.pb.pendingBar() == 3);
    CHECK(r.pb.reportedBar() == 1); // still the pass that started on bar 1
    r.run(barSample(3, m, r.fpq()) - barSample(2, m, r.fpq()), rng);
    CHECK(r.pb.pendingBar() == -1);
    CHECK(r.pb.reportedBar() == 3);
    r.pb.releaseAll();
}

TEST_MAIN
