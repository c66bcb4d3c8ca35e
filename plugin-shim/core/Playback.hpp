// Bar-synchronous playback of takes from the host's PPQ position: start on a bar line, loop, switch at bar lines.
#pragma once

#include "HostPosition.hpp"
#include "Take.hpp"

#include <cstdint>

namespace sb {

// How a take plays, as the host asked in `play`.
struct PlayParams {
    bool mix = false;  // false: replace the input; true: add to it
    float gain = 1.f;  // linear
    bool loop = true;  // false: one pass from the start bar, then pass-through
    int bars = 0;      // loop length in bars; 0: the take's own `bars`
};

// The plugin's own parameters, applied on top (automatable in the DAW).
struct PlaybackParams {
    int modeOverride = 0; // 0: as the host asked, 1: replace, 2: mix
    float trim = 1.f;     // linear gain on top of the take's gain
    bool monitor = true;  // false: pass-through even while a take plays (the take keeps its phase)
};

// Lives on the audio thread. Takes come in as raw pointers; every pointer that stops being used is
// queued for handing back (takeReleased) and never freed here.
class Playback {
public:
    static constexpr std::int64_t kNextBar = -1;

    // [rt] Plays `take` from bar `startBar` (0-based) or the next bar line; nullptr take = stop there.
    void schedule(Take* take, std::int64_t startBar, PlayParams params) noexcept;
    // [rt] Stops now with a short fade (at most 10 ms).
    void stopNow() noexcept;

    // [rt] Renders one block. `in` must not alias `out` (the caller copies in-place input first).
    void process(const float* const* in, float* const* out, std::uint32_t n, const HostPosition& pos, double sampleRate,
                 const PlaybackParams& params) noexcept;

    // [rt] Next take no longer in use (hand it back for freeing), or nullptr.
    Take* takeReleased() noexcept { return releasedCount_ > 0 ? released_[--releasedCount_] : nullptr; }
    // [rt] Drops everything (deactivate); afterwards takeReleased() yields every take held.
    void releaseAll() noexcept;

    // What the plugin reports in `status`.
    enum class State { Idle, Armed, Playing };
    State state() const noexcept { return current_ ? State::Playing : (pendingSet_ && pending_) ? State::Armed : State::Idle; }
    std::uint32_t reportedTake() const noexcept { return current_ ? current_->id : (pendingSet_ && pending_) ? pending_->id : 0; }
    // Start bar of the playing take, or of the armed one once known; -1 when unknown.
    std::int64_t reportedBar() const noexcept;
    // Bar at which the armed command (a take, or a stop) takes over, once resolved; -1 otherwise.
    std::int64_t pendingBar() const noexcept { return pendingSet_ && pendingResolved_ ? pendingBar_ : -1; }
    const Take* current() const noexcept { return current_; }
    bool hasPending() const noexcept { return pendingSet_; }

    // Limit: the fade of a stop "now", in seconds (the protocol allows at most 10 ms).
    static constexpr double kStopFadeSeconds = 0.005;

private:
    void release(Take* t) noexcept { if (t && releasedCount_ < kMaxReleased) released_[releasedCount_++] = t; }
    void render(const float* const* in, float* const* out, std::uint32_t from, std::uint32_t to, double blockPpq,
                double fpq, Meter m, const PlaybackParams& params) const noexcept;

    Take* current_ = nullptr;
    PlayParams currentParams_{};
    double anchorPpq_ = 0.0; // PPQ of the bar line where current_ started
    std::int64_t anchorBar_ = 0;
    Take* pending_ = nullptr;
    PlayParams pendingParams_{};
    bool pendingSet_ = false;
    std::int64_t pendingBar_ = kNextBar;
    bool pendingResolved_ = false;
    std::int64_t fadeTotal_ = 0, fadeLeft_ = 0; // a stop "now" in progress
    static constexpr int kMaxReleased = 8;
    Take* released_[kMaxReleased] = {};
    int releasedCount_ = 0;
};

} // namespace sb
