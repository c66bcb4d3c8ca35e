// Device audio I/O (see audio_io.h): PortAudio streams whose real-time callback only touches lock-free rings.
// JS writes output frames into one single-producer/single-consumer ring and reads input frames from another;
// the callback never allocates, locks or calls into JS. Compiled to stubs when PortAudio was not found.
#include "audio_io.h"

#ifdef SB_HAVE_PORTAUDIO
#include <portaudio.h>
#if defined(__linux__) && __has_include(<alsa/asoundlib.h>)
#include <alsa/asoundlib.h>
#define SB_QUIET_ALSA 1
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#endif

namespace sb {

#ifndef SB_HAVE_PORTAUDIO
bool audio_io_available() { return false; }
void register_audio_io(Napi::Env, Napi::Object) {}
#else

bool audio_io_available() { return true; }

namespace {

Napi::Error audio_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Value().Set("code", Napi::String::New(env, code));
  return e;
}

/** PortAudio is initialised once per process, on first use (it connects to JACK then, if a server runs). */
std::mutex g_pa_mutex;
bool g_pa_ready = false;
std::string g_pa_error;

#ifdef SB_QUIET_ALSA
// ALSA prints a line for every card it probes and cannot find; PortAudio's errors are reported through its own codes.
void quiet_alsa(const char*, int, const char*, int, const char*, ...) {}
#endif

bool ensure_pa() {
  std::lock_guard<std::mutex> lock(g_pa_mutex);
  if (g_pa_ready) return true;
#ifdef SB_QUIET_ALSA
  snd_lib_error_set_handler(quiet_alsa);
#endif
  PaError e = Pa_Initialize();
  if (e != paNoError) {
    g_pa_error = Pa_GetErrorText(e);
    return false;
  }
  g_pa_ready = true;
  return true;
}

/** Single-producer single-consumer ring of interleaved float frames; capacity a power of two (in samples). */
class SpscRing {
 public:
  explicit SpscRing(size_t samples) {
    size_t cap = 1;
    while (cap < samples) cap <<= 1;
    buf_.assign(cap, 0.0f);
    mask_ = cap - 1;
  }
  size_t capacity() const { return buf_.size(); }
  size_t readable() const { return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire); }
  size_t writable() const { return capacity() - readable(); }
  /** Producer side: copies up to n samples; returns how many were written. */
  size_t write(const float* src, size_t n) {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    n = std::min(n, capacity() - (head - tail));
    for (size_t i = 0; i < n; i++) buf_[(head + i) & mask_] = src[i];
    head_.store(head + n, std::memory_order_release);
    return n;
  }
  /** Consumer side: copies up to n samples; returns how many were read. */
  size_t read(float* dst, size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    n = std::min(n, head - tail);
    for (size_t i = 0; i < n; i++) dst[i] = buf_[(tail + i) & mask_];
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

 private:
  std::vector<float> buf_;
  size_t mask_ = 0;
  alignas(64) std::atomic<size_t> head_{0};
  alignas(64) std::atomic<size_t> tail_{0};
};

constexpr size_t kIntervalSlots = 1 << 16;

struct StreamState {
  PaStream* stream = nullptr;
  int in_ch = 0, out_ch = 0;
  double rate = 0;
  unsigned long frames = 0;
  std::unique_ptr<SpscRing> out_ring, in_ring;
  // Written by the callback only (read by JS through stats()).
  std::atomic<uint64_t> callbacks{0}, status_xruns{0}, ring_underruns{0}, ring_overruns{0}, frames_done{0};
  std::atomic<bool> playing{false};  // set once JS has written output: only then is an empty ring an underrun
  std::vector<float> intervals_us = std::vector<float>(kIntervalSlots, 0.0f);
  std::atomic<uint64_t> last_ns{0};
  std::atomic<double> max_callback_us{0};
};

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

int callback(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags flags, void* user) {
  auto* s = static_cast<StreamState*>(user);
  const uint64_t t0 = now_ns();
  const uint64_t n = s->callbacks.load(std::memory_order_relaxed);
  const uint64_t prev = s->last_ns.load(std::memory_order_relaxed);
  if (prev != 0) s->intervals_us[n % kIntervalSlots] = static_cast<float>((t0 - prev) / 1000.0);
  s->last_ns.store(t0, std::memory_order_relaxed);
  if (flags & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow)) s->status_xruns.fetch_add(1, std::memory_order_relaxed);
  if (output && s->out_ch > 0) {
    const size_t want = frames * s->out_ch;
    const size_t got = s->out_ring->read(static_cast<float*>(output), want);
    if (got < want) {
      std::memset(static_cast<float*>(output) + got, 0, (want - got) * sizeof(float));
      if (s->playing.load(std::memory_order_relaxed)) s->ring_underruns.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (input && s->in_ch > 0) {
    const size_t want = frames * s->in_ch;
    if (s->in_ring->write(static_cast<const float*>(input), want) < want) s->ring_overruns.fetch_add(1, std::memory_order_relaxed);
  }
  s->frames_done.fetch_add(frames, std::memory_order_relaxed);
  s->callbacks.store(n + 1, std::memory_order_release);
  const double took = (now_ns() - t0) / 1000.0;
  if (took > s->max_callback_us.load(std::memory_order_relaxed)) s->max_callback_us.store(took, std::memory_order_relaxed);
  return paContinue;
}

int find_device(const std::string& host_api, bool output) {
  if (host_api.empty()) return output ? Pa_GetDefaultOutputDevice() : Pa_GetDefaultInputDevice();
  for (PaHostApiIndex h = 0; h < Pa_GetHostApiCount(); h++) {
    const PaHostApiInfo* hi = Pa_GetHostApiInfo(h);
    std::string name = hi->name;
    std::string want = host_api;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::transform(want.begin(), want.end(), want.begin(), ::tolower);
    if (name.find(want) != std::string::npos) return output ? hi->defaultOutputDevice : hi->defaultInputDevice;
  }
  return paNoDevice;
}

class AudioStreamWrap : public Napi::ObjectWrap<AudioStreamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeAudioStream",
                       {InstanceMethod<&AudioStreamWrap::Start>("start"), InstanceMethod<&AudioStreamWrap::Stop>("stop"),
                        InstanceMethod<&AudioStreamWrap::Close>("close"), InstanceMethod<&AudioStreamWrap::Write>("write"),
                        InstanceMethod<&AudioStreamWrap::Read>("read"), InstanceMethod<&AudioStreamWrap::Stats>("stats"),
                        InstanceMethod<&AudioStreamWrap::EndOutput>("endOutput")});
  }

  explicit AudioStreamWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AudioStreamWrap>(info) {
    Napi::Env env = info.Env();
    if (!ensure_pa()) throw audio_error(env, "NATIVE_AUDIO_OPEN_FAILED", "PortAudio did not initialise: " + g_pa_error);
    Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
    auto get_int = [&](const char* k, int def) {
      Napi::Value v = o.Get(k);
      return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : def;
    };
    const std::string host_api = o.Get("hostApi").IsString() ? o.Get("hostApi").As<Napi::String>().Utf8Value() : "";
    s_ = std::make_unique<StreamState>();
    s_->in_ch = get_int("inputChannels", 0);
    s_->out_ch = get_int("outputChannels", 2);
    s_->rate = o.Get("sampleRate").IsNumber() ? o.Get("sampleRate").As<Napi::Number>().DoubleValue() : 48000;
    s_->frames = static_cast<unsigned long>(get_int("framesPerBuffer", 128));
    const int ring_frames = get_int("ringFrames", 16384);
    if (s_->in_ch < 0 || s_->out_ch < 0 || s_->in_ch + s_->out_ch == 0 || s_->in_ch > 64 || s_->out_ch > 64 ||
        s_->frames < 16 || s_->frames > 8192 || ring_frames < static_cast<int>(2 * s_->frames) || ring_frames > (1 << 22)) {
      throw audio_error(env, "INVALID_ARGUMENT", "channels 0..64 (not both 0), framesPerBuffer 16..8192, ringFrames >= 2 x framesPerBuffer");
    }
    PaStreamParameters in{}, out{};
    PaStreamParameters* inp = nullptr;
    PaStreamParameters* outp = nullptr;
    auto pick = [&](const char* key, bool output) {
      Napi::Value v = o.Get(key);
      int d = v.IsNumber() ? v.As<Napi::Number>().Int32Value() : find_device(host_api, output);
      if (d < 0 || d >= Pa_GetDeviceCount()) {
        throw audio_error(env, "NATIVE_AUDIO_DEVICE_NOT_FOUND", std::string("no ") + (output ? "output" : "input") + " device" +
                                                                    (host_api.empty() ? "" : " for host API " + host_api));
      }
      const PaDeviceInfo* di = Pa_GetDeviceInfo(d);
      const int need = output ? s_->out_ch : s_->in_ch;
      if ((output ? di->maxOutputChannels : di->maxInputChannels) < need) {
        throw audio_error(env, "NATIVE_AUDIO_DEVICE_NOT_FOUND", std::string(di->name) + " has fewer than " + std::to_string(need) +
                                                                    (output ? " output" : " input") + " channels");
      }
      return d;
    };
    if (s_->out_ch > 0) {
      out.device = pick("outputDevice", true);
      out.channelCount = s_->out_ch;
      out.sampleFormat = paFloat32;
      out.suggestedLatency = Pa_GetDeviceInfo(out.device)->defaultLowOutputLatency;
      outp = &out;
      s_->out_ring = std::make_unique<SpscRing>(static_cast<size_t>(ring_frames) * s_->out_ch);
    }
    if (s_->in_ch > 0) {
      in.device = pick("inputDevice", false);
      in.channelCount = s_->in_ch;
      in.sampleFormat = paFloat32;
      in.suggestedLatency = Pa_GetDeviceInfo(in.device)->defaultLowInputLatency;
      inp = &in;
      s_->in_ring = std::make_unique<SpscRing>(static_cast<size_t>(ring_frames) * s_->in_ch);
    }
    PaError e = Pa_OpenStream(&s_->stream, inp, outp, s_->rate, s_->frames, paClipOff, callback, s_.get());
    if (e != paNoError) {
      s_->stream = nullptr;
      throw audio_error(env, "NATIVE_AUDIO_OPEN_FAILED", std::string("Pa_OpenStream: ") + Pa_GetErrorText(e));
    }
  }

  ~AudioStreamWrap() override { close_stream(); }

 private:
  std::unique_ptr<StreamState> s_;

  void close_stream() {
    if (s_ && s_->stream) {
      Pa_AbortStream(s_->stream);
      Pa_CloseStream(s_->stream);
      s_->stream = nullptr;
    }
  }
  void need_open(Napi::Env env) {
    if (!s_ || !s_->stream) throw audio_error(env, "NATIVE_AUDIO_OPEN_FAILED", "the stream is closed");
  }
  Napi::Value Start(const Napi::CallbackInfo& info) {
    need_open(info.Env());
    PaError e = Pa_StartStream(s_->stream);
    if (e != paNoError) throw audio_error(info.Env(), "NATIVE_AUDIO_OPEN_FAILED", std::string("Pa_StartStream: ") + Pa_GetErrorText(e));
    return info.Env().Undefined();
  }
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    need_open(info.Env());
    Pa_StopStream(s_->stream);
    return info.Env().Undefined();
  }
  Napi::Value Close(const Napi::CallbackInfo& info) {
    close_stream();
    return info.Env().Undefined();
  }
  /** write(interleaved Float32Array) -> frames accepted (the rest did not fit in the ring). */
  Napi::Value Write(const Napi::CallbackInfo& info) {
    need_open(info.Env());
    if (s_->out_ch == 0 || info.Length() < 1 || !info[0].IsTypedArray()) {
      throw audio_error(info.Env(), "INVALID_ARGUMENT", "write(Float32Array) on a stream with output channels");
    }
    Napi::Float32Array a = info[0].As<Napi::Float32Array>();
    const size_t whole = a.ElementLength() - a.ElementLength() % s_->out_ch;
    const size_t fit = std::min(whole, s_->out_ring->writable() - s_->out_ring->writable() % s_->out_ch);
    const size_t n = s_->out_ring->write(a.Data(), fit);
    if (n > 0) s_->playing.store(true, std::memory_order_relaxed);
    return Napi::Number::New(info.Env(), static_cast<double>(n / s_->out_ch));
  }
  /** The last output frame is queued: an empty ring from now on is the end of playback, not an underrun. */
  Napi::Value EndOutput(const Napi::CallbackInfo& info) {
    need_open(info.Env());
    s_->playing.store(false, std::memory_order_relaxed);
    return info.Env().Undefined();
  }
  /** read(maxFrames) -> interleaved Float32Array of the frames captured so far (at most maxFrames). */
  Napi::Value Read(const Napi::CallbackInfo& info) {
    need_open(info.Env());
    if (s_->in_ch == 0) throw audio_error(info.Env(), "INVALID_ARGUMENT", "read() on a stream without input channels");
    size_t max_frames = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 1u << 20;
    const size_t frames = std::min(max_frames, s_->in_ring->readable() / s_->in_ch);
    Napi::Float32Array a = Napi::Float32Array::New(info.Env(), frames * s_->in_ch);
    s_->in_ring->read(a.Data(), frames * s_->in_ch);
    return a;
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    const uint64_t n = s_->callbacks.load(std::memory_order_acquire);
    o.Set("callbacks", static_cast<double>(n));
    o.Set("frames", static_cast<double>(s_->frames_done.load()));
    o.Set("xruns", static_cast<double>(s_->status_xruns.load()));
    o.Set("ringUnderruns", static_cast<double>(s_->ring_underruns.load()));
    o.Set("ringOverruns", static_cast<double>(s_->ring_overruns.load()));
    o.Set("writableFrames", s_->out_ring ? static_cast<double>(s_->out_ring->writable() / s_->out_ch) : 0.0);
    o.Set("readableFrames", s_->in_ring ? static_cast<double>(s_->in_ring->readable() / s_->in_ch) : 0.0);
    o.Set("maxCallbackUs", s_->max_callback_us.load());
    // Callback intervals since the start (the last 65536), against the nominal period.
    const size_t have = static_cast<size_t>(std::min<uint64_t>(n > 1 ? n - 1 : 0, kIntervalSlots));
    std::vector<float> iv;
    iv.reserve(have);
    for (uint64_t k = n - have; k < n; k++) iv.push_back(s_->intervals_us[k % kIntervalSlots]);
    const double nominal = 1e6 * s_->frames / s_->rate;
    std::vector<double> dev;
    for (float v : iv) dev.push_back(std::fabs(v - nominal));
    std::sort(dev.begin(), dev.end());
    double mean = 0;
    for (float v : iv) mean += v;
    mean = iv.empty() ? 0 : mean / iv.size();
    o.Set("periodUs", nominal);
    o.Set("meanIntervalUs", mean);
    o.Set("jitterP50Us", dev.empty() ? 0.0 : dev[dev.size() / 2]);
    o.Set("jitterP99Us", dev.empty() ? 0.0 : dev[std::min(dev.size() - 1, dev.size() * 99 / 100)]);
    o.Set("jitterMaxUs", dev.empty() ? 0.0 : dev.back());
    if (s_->stream) {
      o.Set("cpuLoad", Pa_GetStreamCpuLoad(s_->stream));
      const PaStreamInfo* si = Pa_GetStreamInfo(s_->stream);
      if (si) {
        o.Set("outputLatency", si->outputLatency);
        o.Set("inputLatency", si->inputLatency);
        o.Set("sampleRate", si->sampleRate);
      }
    }
    return o;
  }
};

Napi::Value ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ensure_pa()) throw audio_error(env, "NATIVE_AUDIO_OPEN_FAILED", "PortAudio did not initialise: " + g_pa_error);
  const int n = Pa_GetDeviceCount();
  Napi::Array out = Napi::Array::New(env);
  for (int i = 0; i < n; i++) {
    const PaDeviceInfo* d = Pa_GetDeviceInfo(i);
    if (!d) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", i);
    o.Set("name", d->name);
    o.Set("hostApi", Pa_GetHostApiInfo(d->hostApi)->name);
    o.Set("maxInputChannels", d->maxInputChannels);
    o.Set("maxOutputChannels", d->maxOutputChannels);
    o.Set("defaultSampleRate", d->defaultSampleRate);
    o.Set("defaultLowOutputLatency", d->defaultLowOutputLatency);
    out.Set(out.Length(), o);
  }
  return out;
}

}  // namespace

void register_audio_io(Napi::Env env, Napi::Object exports) {
  exports.Set("listAudioDevices", Napi::Function::New(env, ListDevices, "listAudioDevices"));
  exports.Set("AudioStream", AudioStreamWrap::Define(env));
  exports.Set("portAudioVersion", Napi::String::New(env, Pa_GetVersionText()));
}

#endif

}  // namespace sb
