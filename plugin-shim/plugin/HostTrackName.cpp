// The per-thread slot through which a format adapter meets the plugin instance it is constructing.
#include "HostTrackName.hpp"

namespace sb {

TrackNameTarget*& constructingTrackNameTarget()
{
    static thread_local TrackNameTarget* target = nullptr;
    return target;
}

} // namespace sb
