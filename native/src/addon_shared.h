// Pieces of the Node-API surface (addon.cpp) that other surface files reuse: errors, option readers, generation jobs.
#pragma once
#include <napi.h>

#include <functional>
#include <string>

#include "generator.h"

namespace sb::addon {

/** A JS Error carrying a stable `code` property. */
Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);
/** o[key] as a finite number, or `fallback` when absent; INVALID_ARGUMENT otherwise. */
double num(const Napi::Object& o, const char* key, double fallback);
/** o[key] as an integer in min..max, or `fallback` when absent. */
int integer(const Napi::Object& o, const char* key, int fallback, int min, int max);
std::string str(const Napi::Object& o, const char* key, const std::string& fallback);
/** The `runtime` object of a model config (provider, deviceId, intraOpThreads, interOpThreads, affinity, spinning). */
RuntimeOptions read_runtime(const Napi::Value& v);
/** temperature, topK, topP, greedy of a request. */
PickOptions read_pick(const Napi::Object& o);
/** The seed field: an integer in 0..2^53-1. */
uint64_t read_seed(const Napi::Object& o);

/**
 * Runs `work` on its own thread with progress events delivered to `on_event`; returns {promise, cancel} as
 * NativeJob declares (src/node/native/addon-types.ts). The promise resolves with the GenerateResult as JS.
 */
Napi::Value start_generate_job(Napi::Env env, Napi::Function on_event, std::function<GenerateResult(GenerateSink&)> work);

/**
 * Runs `work`; when it throws, sets `code` and `message`: a NativeError's own code, NATIVE_OUT_OF_MEMORY
 * (with `oom_message`) for std::bad_alloc, NATIVE_RUN_FAILED otherwise. Returns false when it threw.
 */
bool run_coded(const std::function<void()>& work, std::string& code, std::string& message, const char* oom_message);

/** An AsyncWorker whose promise rejects with run_coded()'s code; subclasses implement Work() and OnOK(). */
class CodedWorker : public Napi::AsyncWorker {
 public:
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  explicit CodedWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  /** Runs off the JS thread. */
  virtual void Work() = 0;
  void Execute() final {
    std::string message;
    if (!run_coded([this] { Work(); }, code_, message, "out of memory")) SetError(message);
  }
  void OnError(const Napi::Error& e) final { deferred_.Reject(make_error(Env(), code_, e.Message()).Value()); }
  Napi::Promise::Deferred deferred_;

 private:
  std::string code_;
};

/** Adds inspectGraph() and runGraph() (graph_addon.cpp). */
void register_graph(Napi::Env env, Napi::Object exports);

/** Adds openOptimum() (optimum_addon.cpp). */
void register_optimum(Napi::Env env, Napi::Object exports);

}  // namespace sb::addon
