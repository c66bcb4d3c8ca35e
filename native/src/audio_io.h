// Device audio I/O through PortAudio (JACK/ALSA on Linux): device listing and streams exchanging audio through lock-free rings.
#pragma once
#include <napi.h>

namespace sb {

/** Whether the addon was built with PortAudio. */
bool audio_io_available();
/** Adds the audio functions (listAudioDevices, openAudioStream) to the exports. */
void register_audio_io(Napi::Env env, Napi::Object exports);

}  // namespace sb
