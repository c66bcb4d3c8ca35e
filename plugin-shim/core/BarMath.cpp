// Bar, PPQ and sample conversions on the plugin side (see BarMath.hpp).
#include "BarMath.hpp"

namespace sb {

std::int64_t nextBarAtOrAfter(double blockPpq, Meter m, double fpq) noexcept
{
    const double qpb = quartersPerBar(m);
    std::int64_t k = static_cast<std::int64_t>(std::ceil(blockPpq / qpb - kPpqEpsilon));
    // The bar line before may still round onto the block's first sample; the one found may round before it.
    if (sampleOffsetOfPpq(blockPpq, barStartPpq(k - 1, m), fpq) >= 0) --k;
    while (sampleOffsetOfPpq(blockPpq, barStartPpq(k, m), fpq) < 0) ++k;
    return k;
}

std::int64_t historyFramesNeeded(double maxSampleRate, double minBpm, double maxQuartersPerBar, int bars,
                                 std::int64_t marginFrames) noexcept
{
    const double framesPerBar = framesPerQuarter(maxSampleRate, minBpm) * maxQuartersPerBar;
    return static_cast<std::int64_t>(std::ceil(framesPerBar * bars)) + marginFrames;
}

bool meterIsSupported(Meter m) noexcept
{
    if (m.num < 1 || m.num > 64 || m.den < 1 || m.den > 64) return false;
    return (m.den & (m.den - 1)) == 0;
}

} // namespace sb
