// Node-API surface of stylebridge_native: model loading, generation jobs off the JS thread, benchmarks, audio I/O.
// The TypeScript facade (src/node/native) declares these functions once; keep both in step.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <system_error>
#include <thread>

#include "addon_shared.h"
#include "audio_io.h"
#include "generator.h"
#include "q8_op.h"

namespace sb::addon {

bool run_coded(const std::function<void()>& work, std::string& code, std::string& message, const char* oom_message) {
  try {
    work();
    return true;
  } catch (const NativeError& e) {
    code = e.code;
    message = e.what();
  } catch (const std::bad_alloc&) {
    code = "NATIVE_OUT_OF_MEMORY";
    message = oom_message;
  } catch (const std::exception& e) {
    code = "NATIVE_RUN_FAILED";
    message = e.what();
  }
  return false;
}

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Value().Set("code", Napi::String::New(env, code));
  return e;
}

// ---- reading JS values -------------------------------------------------------------------------------

double num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw NativeError("INVALID_ARGUMENT", std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw NativeError("INVALID_ARGUMENT", std::string(key) + " must be finite");
  return d;
}

int integer(const Napi::Object& o, const char* key, int fallback, int min, int max) {
  double d = num(o, key, fallback);
  if (d != std::floor(d) || d < min || d > max) {
    throw NativeError("INVALID_ARGUMENT", std::string(key) + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<int>(d);
}

std::string str(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsString()) throw NativeError("INVALID_ARGUMENT", std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

RuntimeOptions read_runtime(const Napi::Value& v) {
  RuntimeOptions rt;
  if (!v.IsObject()) return rt;
  Napi::Object r = v.As<Napi::Object>();
  rt.provider = str(r, "provider", "auto");
  rt.device_id = integer(r, "deviceId", 0, 0, 64);
  rt.intra_threads = integer(r, "intraOpThreads", 0, 0, 1024);
  rt.inter_threads = integer(r, "interOpThreads", 1, 0, 1024);
  rt.affinity = str(r, "affinity", "");
  Napi::Value sp = r.Get("spinning");
  if (sp.IsBoolean()) rt.spinning = sp.As<Napi::Boolean>().Value();
  return rt;
}

PickOptions read_pick(const Napi::Object& o) {
  PickOptions p;
  p.temperature = num(o, "temperature", 1.0);
  p.top_k = integer(o, "topK", 250, 0, 1 << 20);
  p.top_p = num(o, "topP", 0.0);
  Napi::Value g = o.Get("greedy");
  p.greedy = g.IsBoolean() && g.As<Napi::Boolean>().Value();
  return p;
}

uint64_t read_seed(const Napi::Object& o) {
  const double seed = num(o, "seed", 0);
  if (seed < 0 || seed > 9007199254740991.0 || seed != std::floor(seed)) throw NativeError("INVALID_ARGUMENT", "seed must be an integer in 0..2^53-1");
  return static_cast<uint64_t>(seed);
}

}  // namespace sb::addon

namespace {

using sb::NativeError;
using sb::addon::CodedWorker;
using sb::addon::integer;
using sb::addon::make_error;
using sb::addon::num;
using sb::addon::run_coded;
using sb::addon::str;

struct AddonData {
  Napi::FunctionReference model_ctor;
};

sb::ModelConfig read_config(const Napi::Object& o) {
  sb::ModelConfig c;
  c.text_encoder = str(o, "textEncoder", "");
  c.style_encoder = str(o, "styleEncoder", "");
  c.lm_kv = str(o, "lmKv", "");
  {
    Napi::Value ip = o.Get("lmInPlace");
    if (!ip.IsUndefined() && !ip.IsBoolean()) throw NativeError("INVALID_ARGUMENT", "lmInPlace must be a boolean");
    c.lm_in_place = ip.IsBoolean() && ip.As<Napi::Boolean>().Value();
  }
  c.codec_decode = str(o, "codecDecode", "");
  c.dim = integer(o, "dim", 0, 1, 1 << 16);
  c.layers = integer(o, "layers", 0, 1, 1024);
  c.heads = integer(o, "heads", 0, 1, 1024);
  c.codebooks = integer(o, "codebooks", 0, 1, 64);
  c.card = integer(o, "card", 0, 2, 1 << 20);
  c.special_token = integer(o, "specialToken", 0, 0, 1 << 20);
  c.max_positions = integer(o, "maxPositions", 0, 1, 1 << 24);
  c.hop_length = integer(o, "hopLength", 0, 1, 1 << 16);
  c.sample_rate = integer(o, "sampleRate", 0, 1, 1 << 20);
  Napi::Value d = o.Get("delays");
  if (!d.IsArray()) throw NativeError("INVALID_ARGUMENT", "delays must be an array");
  Napi::Array a = d.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value x = a.Get(i);
    if (!x.IsNumber()) throw NativeError("INVALID_ARGUMENT", "delays must hold integers");
    c.delays.push_back(x.As<Napi::Number>().Int32Value());
  }
  c.runtime = sb::addon::read_runtime(o.Get("runtime"));
  if (o.Get("runtime").IsObject()) {
    const double cap = num(o.Get("runtime").As<Napi::Object>(), "maxKvCacheBytes", 0);
    if (cap < 0 || cap != std::floor(cap) || cap > 9007199254740991.0) {
      throw NativeError("INVALID_ARGUMENT", "maxKvCacheBytes must be an integer >= 0 (0: no ceiling)");
    }
    c.max_cache_bytes = static_cast<uint64_t>(cap);
  }
  return c;
}

sb::GenerateRequest read_request(const Napi::Object& o) {
  sb::GenerateRequest q;
  q.frames = integer(o, "frames", 0, 1, 1 << 20);
  Napi::Value sa = o.Get("styleAudio");
  if (sa.IsTypedArray() && sa.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    Napi::Float32Array f = sa.As<Napi::Float32Array>();
    q.style_audio.assign(f.Data(), f.Data() + f.ElementLength());
  } else if (!sa.IsUndefined() && !sa.IsNull()) {
    throw NativeError("INVALID_ARGUMENT", "styleAudio must be a Float32Array");
  }
  Napi::Value ti = o.Get("tokenIds");
  if (ti.IsArray()) {
    Napi::Array a = ti.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) q.token_ids.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  } else if (!ti.IsUndefined() && !ti.IsNull()) {
    throw NativeError("INVALID_ARGUMENT", "tokenIds must be an array of integers");
  }
  q.streams = integer(o, "streams", 3, 1, 64);
  q.cfg = num(o, "cfg", 3.0);
  Napi::Value beta = o.Get("cfgBeta");
  q.has_beta = !(beta.IsNull() || beta.IsUndefined());
  q.beta = q.has_beta ? num(o, "cfgBeta", 0.0) : 0.0;
  q.pick = sb::addon::read_pick(o);
  q.seed = sb::addon::read_seed(o);
  q.variations = integer(o, "variations", 1, 1, 256);
  q.first_variation = integer(o, "firstVariation", 0, 0, 1 << 20);
  const std::string mode = str(o, "mode", "");
  q.mode = mode.empty() ? -1 : mode == "none" ? 0 : mode == "single" ? 1 : mode == "double" ? 2 : -2;
  if (q.mode == -2) throw NativeError("INVALID_ARGUMENT", "mode must be none, single or double");
  q.chunk_frames = integer(o, "chunkFrames", 0, 0, 1 << 20);
  q.chunk_lookahead = integer(o, "chunkLookahead", 8, 0, 1 << 16);
  Napi::Value dec = o.Get("decode");
  q.decode = !dec.IsBoolean() || dec.As<Napi::Boolean>().Value();
  return q;
}

// ---- the model object ----------------------------------------------------------------------------------

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {InstanceAccessor<&ModelWrap::Provider>("provider"),
                        InstanceAccessor<&ModelWrap::ProviderNote>("providerNote"),
                        InstanceMethod<&ModelWrap::Generate>("generate"),
                        InstanceMethod<&ModelWrap::BenchSteps>("benchSteps"),
                        InstanceMethod<&ModelWrap::Release>("release")});
  }
  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw Napi::TypeError::New(info.Env(), "NativeModel is created by openModel()");
    }
    model_ = *info[0].As<Napi::External<std::shared_ptr<sb::Model>>>().Data();
  }

 private:
  std::shared_ptr<sb::Model> model_;

  std::shared_ptr<sb::Model> live(Napi::Env env) {
    if (!model_) throw make_error(env, "NATIVE_RELEASED", "this model was released");
    return model_;
  }
  Napi::Value Provider(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), live(info.Env())->provider()); }
  Napi::Value ProviderNote(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), live(info.Env())->provider_note());
  }
  Napi::Value Release(const Napi::CallbackInfo& info) {
    model_.reset();  // sessions are freed once running jobs finish
    return info.Env().Undefined();
  }
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value BenchSteps(const Napi::CallbackInfo& info);
};

// ---- generation jobs: a worker thread, events through a thread-safe function ---------------------------

struct Event {
  enum Kind { Progress, Chunk, Done, Failed } kind = Progress;
  int step = 0, total = 0, first_frame = 0;
  std::vector<std::vector<float>> audio;
  sb::GenerateResult result;
  std::string code, message;
};

struct Job : sb::GenerateSink {
  /** The generation itself (it holds the model until it returns). */
  std::function<sb::GenerateResult(sb::GenerateSink&)> work;
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  std::thread thread;
  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void push(Event* e) {
    if (tsfn.NonBlockingCall(e, &Job::deliver) != napi_ok) delete e;
  }
  void progress(int step, int total) override {
    auto* e = new Event();
    e->kind = Event::Progress;
    e->step = step;
    e->total = total;
    push(e);
  }
  void chunk(int first_frame, std::vector<std::vector<float>>&& samples) override {
    auto* e = new Event();
    e->kind = Event::Chunk;
    e->first_frame = first_frame;
    e->audio = std::move(samples);
    push(e);
  }
  bool cancelled() override { return cancel->load(std::memory_order_relaxed); }

  void run() {
    auto* e = new Event();
    const bool ok = run_coded([this, e] { e->result = work(*this); }, e->code, e->message, "out of memory during generation");
    e->kind = ok ? Event::Done : Event::Failed;
    work = nullptr;
    Job* self = this;
    if (tsfn.BlockingCall(e, [self](Napi::Env env, Napi::Function cb, Event* ev) { self->finish(env, cb, ev); }) != napi_ok) delete e;
    tsfn.Release();
  }

  static Napi::Float32Array floats(Napi::Env env, const std::vector<float>& v) {
    Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
    return a;
  }

  static void deliver(Napi::Env env, Napi::Function cb, Event* e) {
    std::unique_ptr<Event> owned(e);
    if (env == nullptr) return;
    Napi::Object o = Napi::Object::New(env);
    if (e->kind == Event::Progress) {
      o.Set("type", "progress");
      o.Set("step", e->step);
      o.Set("total", e->total);
    } else {
      o.Set("type", "chunk");
      o.Set("firstFrame", e->first_frame);
      Napi::Array a = Napi::Array::New(env, e->audio.size());
      for (size_t v = 0; v < e->audio.size(); v++) a.Set(v, floats(env, e->audio[v]));
      o.Set("audio", a);
    }
    cb.Call({o});
  }

  void finish(Napi::Env env, Napi::Function, Event* e) {
    std::unique_ptr<Event> owned(e);
    if (env == nullptr) return;
    Napi::HandleScope scope(env);
    if (e->kind == Event::Failed) {
      deferred.Reject(make_error(env, e->code, e->message).Value());
      return;
    }
    const sb::GenerateResult& r = e->result;
    Napi::Object o = Napi::Object::New(env);
    o.Set("mode", r.mode == sb::Guidance::None ? "none" : r.mode == sb::Guidance::Single ? "single" : "double");
    o.Set("prefixLength", r.prefix_length);
    o.Set("rows", r.rows);
    o.Set("lmCalls", r.lm_calls);
    o.Set("frames", r.frames);
    Napi::Array codes = Napi::Array::New(env, r.codes.size());
    for (size_t v = 0; v < r.codes.size(); v++) {
      Napi::Int32Array a = Napi::Int32Array::New(env, r.codes[v].size());
      std::memcpy(a.Data(), r.codes[v].data(), r.codes[v].size() * sizeof(int32_t));
      codes.Set(v, a);
    }
    o.Set("codes", codes);
    Napi::Array audio = Napi::Array::New(env, r.audio.size());
    for (size_t v = 0; v < r.audio.size(); v++) audio.Set(v, floats(env, r.audio[v]));
    o.Set("audio", audio);
    Napi::Object t = Napi::Object::New(env);
    t.Set("styleMs", r.style_ms);
    t.Set("textMs", r.text_ms);
    t.Set("prefillMs", r.prefill_ms);
    t.Set("stepsMs", r.steps_ms);
    t.Set("decodeMs", r.decode_ms);
    t.Set("streamDecodeMs", r.stream_decode_ms);
    o.Set("timings", t);
    o.Set("stepMs", floats(env, r.step_ms));
    deferred.Resolve(o);
  }
};

Napi::Value ModelWrap::Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    throw make_error(env, "INVALID_ARGUMENT", "generate(request, onEvent)");
  }
  std::shared_ptr<sb::Model> model = live(env);
  sb::GenerateRequest request;
  try {
    request = read_request(info[0].As<Napi::Object>());
  } catch (const NativeError& e) {
    throw make_error(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    throw make_error(env, "NATIVE_OUT_OF_MEMORY", "out of memory reading the request");
  }
  return sb::addon::start_generate_job(env, info[1].As<Napi::Function>(),
                                       [model, request](sb::GenerateSink& sink) { return model->generate(request, sink); });
}

}  // namespace

Napi::Value sb::addon::start_generate_job(Napi::Env env, Napi::Function on_event,
                                          std::function<GenerateResult(GenerateSink&)> work) {
  auto* job = new Job(env);
  job->work = std::move(work);
  job->tsfn = Napi::ThreadSafeFunction::New(env, on_event, "stylebridge-generate", 0, 1, job,
                                            [](Napi::Env, Job* j) {
                                              if (j->thread.joinable()) j->thread.join();
                                              delete j;
                                            });
  Napi::Promise promise = job->deferred.Promise();
  auto cancel = job->cancel;
  try {
    job->thread = std::thread([job] { job->run(); });
  } catch (const std::system_error& e) {
    // No memory or address space for the thread's stack: the job never ran; releasing the function frees it.
    job->tsfn.Release();
    throw make_error(env, "NATIVE_OUT_OF_MEMORY", std::string("cannot start the generation thread: ") + e.what());
  }
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  handle.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo& ci) {
               cancel->store(true);
               return ci.Env().Undefined();
             }, "cancel"));
  return handle;
}

namespace {

// ---- one-off work on the libuv pool ----------------------------------------------------------------------

class OpenWorker : public CodedWorker {
 public:
  OpenWorker(Napi::Env env, sb::ModelConfig config) : CodedWorker(env), config_(std::move(config)) {}
  void Work() override { model_ = sb::Model::open(config_); }
  void OnOK() override {
    Napi::Env env = Env();
    auto* data = env.GetInstanceData<AddonData>();
    auto ext = Napi::External<std::shared_ptr<sb::Model>>::New(env, new std::shared_ptr<sb::Model>(model_),
                                                               [](Napi::Env, std::shared_ptr<sb::Model>* p) { delete p; });
    deferred_.Resolve(data->model_ctor.New({ext}));
  }

 private:
  sb::ModelConfig config_;
  std::shared_ptr<sb::Model> model_;
};

class BenchWorker : public CodedWorker {
 public:
  BenchWorker(Napi::Env env, std::shared_ptr<sb::Model> m, int batch, int prefix, int steps)
      : CodedWorker(env), model_(std::move(m)), batch_(batch), prefix_(prefix), steps_(steps) {}
  void Work() override { out_ = model_->bench_steps(batch_, prefix_, steps_); }
  void OnOK() override { deferred_.Resolve(Job::floats(Env(), out_)); }

 private:
  std::shared_ptr<sb::Model> model_;
  int batch_, prefix_, steps_;
  std::vector<float> out_;
};

Napi::Value ModelWrap::BenchSteps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [&](size_t i) { return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : -1; };
  auto* w = new BenchWorker(env, live(env), arg(0), arg(1), arg(2));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value OpenModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw make_error(env, "INVALID_ARGUMENT", "openModel(config)");
  try {
    sb::ensure_ort();
    auto* w = new OpenWorker(env, read_config(info[0].As<Napi::Object>()));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const NativeError& e) {
    throw make_error(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    throw make_error(env, "NATIVE_OUT_OF_MEMORY", "out of memory reading the model configuration");
  }
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("ortVersion", sb::ort_version());
  o.Set("ortApiVersion", sb::ort_api_version());
  o.Set("int8Kernel", sb::q8_kernel_name());
  o.Set("audioIo", sb::audio_io_available());
  o.Set("hardwareConcurrency", static_cast<double>(std::thread::hardware_concurrency()));
  return o;
}

/** PCG32 outputs for tests: pcg32(initstate, initseq as bigints, n) -> Uint32Array. */
Napi::Value Pcg32Outputs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool lossless = true;
  if (info.Length() < 3 || !info[0].IsBigInt() || !info[1].IsBigInt() || !info[2].IsNumber()) {
    throw make_error(env, "INVALID_ARGUMENT", "pcg32(initstate: bigint, initseq: bigint, n: number)");
  }
  sb::Pcg32 rng(info[0].As<Napi::BigInt>().Uint64Value(&lossless), info[1].As<Napi::BigInt>().Uint64Value(&lossless));
  const uint32_t n = info[2].As<Napi::Number>().Uint32Value();
  Napi::Uint32Array out = Napi::Uint32Array::New(env, n);
  for (uint32_t i = 0; i < n; i++) out[i] = rng.next_u32();
  return out;
}

/** Read bandwidth in GB/s: `threads` threads summing disjoint slices of a `megabytes` buffer, best of `repeats`. */
Napi::Value MemoryBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double mb = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 512;
  const int threads = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 2;
  const int repeats = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 5;
  if (mb < 1 || mb > 8192 || threads < 1 || threads > 256 || repeats < 1 || repeats > 100) {
    throw make_error(env, "INVALID_ARGUMENT", "memoryBandwidth(megabytes 1..8192, threads 1..256, repeats 1..100)");
  }
  const size_t n = static_cast<size_t>(mb * 1048576 / sizeof(uint64_t));
  std::vector<uint64_t> buf(n);
  for (size_t i = 0; i < n; i++) buf[i] = i;
  double best = 0;
  std::vector<uint64_t> sums(threads);
  for (int r = 0; r < repeats; r++) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
      pool.emplace_back([&, t] {
        const size_t a = n * t / threads, b = n * (t + 1) / threads;
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t i = a;
        for (; i + 4 <= b; i += 4) { s0 += buf[i]; s1 += buf[i + 1]; s2 += buf[i + 2]; s3 += buf[i + 3]; }
        for (; i < b; i++) s0 += buf[i];
        sums[t] = s0 + s1 + s2 + s3;
      });
    }
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / s / 1e9);
  }
  uint64_t check = 0;
  for (uint64_t s : sums) check += s;
  return Napi::Number::New(env, check == 0 && n > 1 ? 0 : best);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->model_ctor = Napi::Persistent(ModelWrap::Define(env));
  env.SetInstanceData(data);
  exports.Set("openModel", Napi::Function::New(env, OpenModel, "openModel"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("pcg32", Napi::Function::New(env, Pcg32Outputs, "pcg32"));
  exports.Set("memoryBandwidth", Napi::Function::New(env, MemoryBandwidth, "memoryBandwidth"));
  sb::register_audio_io(env, exports);
  sb::addon::register_optimum(env, exports);
  sb::addon::register_graph(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(stylebridge_native, Init)
