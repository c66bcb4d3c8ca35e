// How a format adapter hands the DAW's track name to the plugin instance it wraps (CLAP track-info, VST3 channel context).
#pragma once

namespace sb {

// Filled in by the plugin when it is constructed inside an adapter; called by the adapter on the
// main thread whenever the DAW reports the track name (UTF-8), and cleared when the plugin goes.
struct TrackNameTarget {
    void (*deliver)(void* ctx, const char* utf8) = nullptr;
    void* ctx = nullptr;
    void set(const char* utf8) const
    {
        if (deliver && utf8) deliver(ctx, utf8);
    }
};

// The adapter whose plugin is being constructed on this thread: DPF builds the plugin object inside the
// host's create/initialize call, which the adapter wraps. Null when no adapter is constructing one.
TrackNameTarget*& constructingTrackNameTarget();

} // namespace sb
