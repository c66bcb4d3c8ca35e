// A received take: planar audio of a whole number of bars, allocated and freed by the network thread only.
#pragma once

#include "BarMath.hpp"

#include <cstdint>
#include <vector>

namespace sb {

struct Take {
    std::uint32_t id = 0;
    double sampleRate = 48000.0;
    int bars = 1;        // the take loops every `bars` bars
    Meter meter{};
    double bpm = 120.0;  // tempo it was rendered at (informative: playback follows the host's PPQ)
    int channels = 2;    // 1 (played on both outputs) or 2
    std::int64_t frames = 0;
    std::vector<float> data[2];
};

} // namespace sb
