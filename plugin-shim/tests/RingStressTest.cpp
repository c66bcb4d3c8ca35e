// Two-thread stress test of the SPSC ring and of the take hand-over pattern (run under ThreadSanitizer).
#include "../core/HistoryRing.hpp"
#include "../core/SpscRing.hpp"
#include "Check.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace sb;

namespace {
struct Item {
    std::uint64_t seq;
    std::uint64_t check;
    double payload[4];
};
} // namespace

TEST_CASE("a producer and a consumer thread pass two million items in order without loss or tearing")
{
    SpscRing<Item> ring(64);
    constexpr std::uint64_t kCount = 2000000;
    std::atomic<bool> ok{true};
    std::thread consumer([&] {
        std::uint64_t expect = 0;
        Item it{};
        while (expect < kCount) {
            if (!ring.tryPop(it)) { std::this_thread::yield(); continue; }
            if (it.seq != expect || it.check != ~it.seq || it.payload[3] != static_cast<double>(it.seq)) ok = false;
            ++expect;
        }
    });
    std::uint64_t fullCount = 0;
    for (std::uint64_t i = 0; i < kCount;) {
        Item it{i, ~i, {0, 1, 2, static_cast<double>(i)}};
        if (ring.tryPush(it)) ++i;
        else { ++fullCount; std::this_thread::yield(); }
    }
    consumer.join();
    CHECK(ok.load());
    CHECK(ring.empty());
    std::printf("  ring was full %llu times\n", static_cast<unsigned long long>(fullCount));
}

TEST_CASE("heap objects handed over by pointer and handed back are freed by their owner thread only")
{
    SpscRing<std::vector<float>*> toAudio(8), back(8);
    constexpr int kCount = 20000;
    std::atomic<int> seen{0};
    std::thread audio([&] {
        std::vector<float>* v = nullptr;
        while (seen.load(std::memory_order_relaxed) < kCount) {
            if (!toAudio.tryPop(v)) { std::this_thread::yield(); continue; }
            if ((*v)[0] != static_cast<float>(v->size())) seen = -1000000;
            while (!back.tryPush(v)) std::this_thread::yield();
            seen.fetch_add(1, std::memory_order_relaxed);
        }
    });
    int sent = 0, freed = 0;
    while (freed < kCount) {
        if (sent < kCount) {
            auto* v = new std::vector<float>(static_cast<std::size_t>(1 + sent % 100));
            (*v)[0] = static_cast<float>(v->size());
            if (toAudio.tryPush(v)) ++sent;
            else delete v;
        }
        std::vector<float>* r = nullptr;
        while (back.tryPop(r)) { delete r; ++freed; }
    }
    audio.join();
    CHECK_EQ(seen.load(), kCount);
}

TEST_CASE("the history reader copies while the writer keeps writing and never returns overwritten frames as valid")
{
    HistoryRing h;
    h.allocate(48000, 8000);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        std::vector<float> a(128), b(128);
        std::int64_t s = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            for (int i = 0; i < 128; ++i) { a[i] = static_cast<float>((s + i) % 1000000); b[i] = -a[i]; }
            const float* in[2] = {a.data(), b.data()};
            h.write(in, 128);
            s += 128;
            // About 25x real time at 48 kHz: the reader competes with a fast writer, as with a tiny block size.
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    });
    std::vector<float> l(4000), r(4000);
    float* out[2] = {l.data(), r.data()};
    int good = 0, bad = 0, rejected = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (good < 300 && std::chrono::steady_clock::now() < deadline) {
        const std::int64_t start = h.oldestReadable() + 100;
        if (h.copyOut(start, 4000, out) == HistoryRing::CopyResult::Ok) {
            bool exact = true;
            for (int i = 0; i < 4000; ++i) exact = exact && l[i] == static_cast<float>((start + i) % 1000000) && r[i] == -l[i];
            exact ? ++good : ++bad;
        } else {
            ++rejected;
        }
    }
    stop = true;
    writer.join();
    CHECK_EQ(bad, 0);
    CHECK(good > 0);
    std::printf("  %d exact copies, %d rejected as not yet written or overwritten\n", good, rejected);
}

TEST_MAIN
