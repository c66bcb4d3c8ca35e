// Device audio I/O (see audio_io.h); compiled to stubs when PortAudio was not found at build time.
#include "audio_io.h"

namespace sb {

#ifndef SB_HAVE_PORTAUDIO
bool audio_io_available() { return false; }
void register_audio_io(Napi::Env, Napi::Object) {}
#else
bool audio_io_available() { return true; }
void register_audio_io(Napi::Env, Napi::Object) {}
#endif

}  // namespace sb
