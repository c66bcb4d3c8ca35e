// Bar-synchronous playback of takes from the host's PPQ position: start on a bar line, loop, switch at bar lines.
#pragma once

#include "HostPosition.hpp"
#include "Take.hpp"

#include <cstdint>

namespace sb {

enum class MixMode { Replace = 0, Mix = 1 };

struct PlaybackParams {
    MixMode mode = MixMode::Replace;
    float gain = 1.f;     // linear
    bool monitor = true;  // false: pass-through even while a take is scheduled
};

// Lives on the audio thread. Takes are handed in and out as raw pointers; the caller (AudioEngine)
// moves them across threads through SpscRings and never lets this class free anything.
class Playback {
public:
    static constexpr std::int64_t kNextBar = -1;

    // [rt] Schedules `take` to start at bar `startBar` (0-based) or at the next bar line. Returns the
    // take it displaces from the pending slot (to be handed back for freeing), or nullptr.
    Take* schedule(Take* take, std::int64_t startBar) noexcept;
    // [rt] Stops at the next bar line (stop=pending nullptr take). Returns a displaced pending take.
    Take* scheduleStop() noexcept { return schedule(nullptr, kNextBar); }

    // [rt] Renders one block. in/out may alias (in-place hosts): `in` must be a copy the caller owns.
    // Returns the take that stopped playing during this block (to hand back), or nullptr.
    Take* process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos, double sampleRate,
                  const PlaybackParams& params) noexcept;

    const Take* current() const noexcept { return current_; }
    bool hasPending() const noexcept { return pendingSet_; }
    // [rt] Releases everything (deactivate): returns one take per call until nullptr.
    Take* release() noexcept;

private:
    void render(const float* const* in, float* const* out, std::uint32_t from, std::uint32_t to, double blockPpq,
                double fpq, Meter m, const PlaybackParams& params) const noexcept;

    Take* current_ = nullptr;
    double anchorPpq_ = 0.0; // PPQ of a bar line where an iteration of current_ starts
    Take* pending_ = nullptr;
    bool pendingSet_ = false;
    std::int64_t pendingBar_ = kNextBar;
    bool pendingResolved_ = false;
};

} // namespace sb
