// ONNX Runtime plumbing shared by the generation loops: the one environment, session options, provider choice, errors.
#pragma once
#include <onnxruntime_cxx_api.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sb {

/** An error with a stable code from src/common/error-codes.ts (NATIVE_*, MODEL_*, OPTIMUM_*, CANCELLED). */
struct NativeError : std::runtime_error {
  NativeError(std::string c, const std::string& m) : std::runtime_error(m), code(std::move(c)) {}
  std::string code;
};

struct RuntimeOptions {
  /** "auto" (CUDA, then CPU), "cuda" (fail when CUDA will not load) or "cpu". */
  std::string provider = "auto";
  int device_id = 0;
  /** ONNX Runtime intra-op threads per session; 0 lets ORT choose (one per physical core). */
  int intra_threads = 0;
  int inter_threads = 1;
  /** ORT's session.intra_op_thread_affinities string ("" = no pinning), e.g. "1;2" for 3 threads. */
  std::string affinity;
  /** Whether idle ORT worker threads spin (faster steps, burns CPU between them). */
  bool spinning = true;
};

/** Initialises the ONNX Runtime API once; throws NativeError NATIVE_RUNTIME_MISMATCH when the library is too old. */
void ensure_ort();
/** The version string of the loaded ONNX Runtime library. */
std::string ort_version();
/** The ORT API version the addon was compiled against. */
int ort_api_version();

/** The process's ONNX Runtime environment (onnxruntime-node and this addon share it). */
Ort::Env& ort_env();

using Clock = std::chrono::steady_clock;
inline double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/** Whether an ONNX Runtime message reports an allocation failure (host or device). */
bool looks_like_oom(const std::string& m);
/** Rethrows a failed Run as NATIVE_OUT_OF_MEMORY or NATIVE_RUN_FAILED, naming the graph. */
[[noreturn]] void rethrow_run_error(const std::exception& e, const char* what);
std::string base_name(const std::string& p);
std::vector<int64_t> dims_of(const Ort::Value& v);

/** Runs a text encoder on one prompt (batch 1, attention mask all ones); returns its `output` tensor. */
Ort::Value run_text_encoder(Ort::Session& session, const Ort::MemoryInfo& mem, const std::vector<int64_t>& token_ids,
                            const char* output);

Ort::SessionOptions make_options(const RuntimeOptions& r, bool cuda);
/** Opens a graph; a graph ONNX Runtime rejects throws `corrupt_code` (an allocation failure: NATIVE_OUT_OF_MEMORY). */
std::unique_ptr<Ort::Session> open_session(const std::string& path, const RuntimeOptions& r, bool cuda,
                                           const char* corrupt_code);

struct FirstSession {
  std::unique_ptr<Ort::Session> session;
  bool cuda = false;
  /** Why CUDA is not used (empty when it is, or when the CPU was asked for). */
  std::string note;
};

/**
 * Opens a model's first graph with the execution providers in order, CUDA then CPU, as r.provider asks
 * ("auto", "cuda" or "cpu"); the model's other graphs follow its choice. `on_cuda` (optional) runs once the
 * CUDA session is open, to set up device memory; if it throws, CUDA is given up ("auto") or the open fails
 * with NATIVE_PROVIDER_UNAVAILABLE ("cuda").
 */
FirstSession open_first_session(const std::string& path, const RuntimeOptions& r,
                                const std::function<void(Ort::Session&)>& on_cuda, const char* corrupt_code);

}  // namespace sb
