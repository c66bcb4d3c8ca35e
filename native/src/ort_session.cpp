// ONNX Runtime plumbing shared by the generation loops: environment, session options, CUDA-then-CPU choice, errors.
#include "ort_session.h"

#include <onnxruntime_session_options_config_keys.h>

#include <cstdlib>
#include <mutex>

#include "q8_op.h"

namespace sb {

namespace {

std::once_flag g_ort_once;
const OrtApi* g_api = nullptr;

#ifdef _WIN32
std::wstring ort_path(const std::string& p) {
  std::wstring w;
  int n = MultiByteToWideChar(CP_UTF8, 0, p.c_str(), -1, nullptr, 0);
  w.resize(n > 0 ? n - 1 : 0);
  if (n > 1) MultiByteToWideChar(CP_UTF8, 0, p.c_str(), -1, w.data(), n);
  return w;
}
#else
const std::string& ort_path(const std::string& p) { return p; }
#endif

}  // namespace

Ort::Env& ort_env() {
  // ONNX Runtime keeps one environment per process; onnxruntime-node and this addon share it.
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "stylebridge");
  return env;
}

void ensure_ort() {
  std::call_once(g_ort_once, [] {
    const OrtApi* a = OrtGetApiBase()->GetApi(ORT_API_VERSION);
    if (a) Ort::InitApi(a);
    g_api = a;
    if (a) ort_env();  // the logging environment must exist before any provider options are created
  });
  if (!g_api) {
    throw NativeError("NATIVE_RUNTIME_MISMATCH", std::string("ONNX Runtime ") + OrtGetApiBase()->GetVersionString() +
                                                     " does not provide C API version " + std::to_string(ORT_API_VERSION) +
                                                     " that the addon was built for");
  }
}

std::string ort_version() { return OrtGetApiBase()->GetVersionString(); }
int ort_api_version() { return ORT_API_VERSION; }

bool looks_like_oom(const std::string& m) {
  return m.find("Failed to allocate") != std::string::npos || m.find("bad_alloc") != std::string::npos ||
         m.find("out of memory") != std::string::npos || m.find("CUDA_ERROR_OUT_OF_MEMORY") != std::string::npos ||
         m.find("cudaErrorMemoryAllocation") != std::string::npos;
}

void rethrow_run_error(const std::exception& e, const char* what) {
  const std::string m = e.what();
  if (looks_like_oom(m)) throw NativeError("NATIVE_OUT_OF_MEMORY", std::string(what) + ": out of memory: " + m);
  throw NativeError("NATIVE_RUN_FAILED", std::string(what) + ": " + m);
}

std::string base_name(const std::string& p) {
  const size_t i = p.find_last_of("/\\");
  return i == std::string::npos ? p : p.substr(i + 1);
}

std::vector<int64_t> dims_of(const Ort::Value& v) { return v.GetTensorTypeAndShapeInfo().GetShape(); }

Ort::Value run_text_encoder(Ort::Session& session, const Ort::MemoryInfo& mem, const std::vector<int64_t>& token_ids,
                            const char* output) {
  const int64_t n = static_cast<int64_t>(token_ids.size());
  const std::vector<int64_t> shape{1, n};
  std::vector<int64_t> ones(static_cast<size_t>(n), 1);
  Ort::Value inputs[] = {
      Ort::Value::CreateTensor<int64_t>(mem, const_cast<int64_t*>(token_ids.data()), n, shape.data(), 2),
      Ort::Value::CreateTensor<int64_t>(mem, ones.data(), n, shape.data(), 2)};
  const char* in_names[] = {"input_ids", "attention_mask"};
  const char* out_names[] = {output};
  try {
    return std::move(session.Run(Ort::RunOptions{nullptr}, in_names, inputs, 2, out_names, 1)[0]);
  } catch (const Ort::Exception& e) {
    rethrow_run_error(e, "text_encoder");
  }
}

Ort::SessionOptions make_options(const RuntimeOptions& r, bool cuda) {
  Ort::SessionOptions so;
  so.SetIntraOpNumThreads(r.intra_threads);
  so.SetInterOpNumThreads(r.inter_threads);
  so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  add_stylebridge_ops(so);
  so.AddConfigEntry(kOrtSessionOptionsConfigAllowIntraOpSpinning, r.spinning ? "1" : "0");
  if (!r.affinity.empty()) so.AddConfigEntry(kOrtSessionOptionsConfigIntraOpThreadAffinities, r.affinity.c_str());
  // Developer aid: STYLEBRIDGE_ORT_PROFILE=PREFIX writes ONNX Runtime's per-node timing JSON for every session.
  if (const char* prof = std::getenv("STYLEBRIDGE_ORT_PROFILE")) {
    if (*prof) so.EnableProfiling(ort_path(std::string(prof)).c_str());
  }
  if (cuda) {
    OrtCUDAProviderOptionsV2* opts = nullptr;
    Ort::ThrowOnError(Ort::GetApi().CreateCUDAProviderOptions(&opts));
    std::unique_ptr<OrtCUDAProviderOptionsV2, void (*)(OrtCUDAProviderOptionsV2*)> guard(
        opts, [](OrtCUDAProviderOptionsV2* p) { Ort::GetApi().ReleaseCUDAProviderOptions(p); });
    const std::string dev = std::to_string(r.device_id);
    const char* keys[] = {"device_id"};
    const char* vals[] = {dev.c_str()};
    Ort::ThrowOnError(Ort::GetApi().UpdateCUDAProviderOptions(opts, keys, vals, 1));
    so.AppendExecutionProvider_CUDA_V2(*opts);
  }
  return so;
}

std::unique_ptr<Ort::Session> open_session(const std::string& path, const RuntimeOptions& r, bool cuda,
                                           const char* corrupt_code) {
  try {
    Ort::SessionOptions so = make_options(r, cuda);
    return std::make_unique<Ort::Session>(ort_env(), ort_path(path).c_str(), so);
  } catch (const Ort::Exception& e) {
    const std::string m = e.what();
    if (looks_like_oom(m)) throw NativeError("NATIVE_OUT_OF_MEMORY", "loading " + base_name(path) + ": out of memory: " + m);
    throw NativeError(corrupt_code, "cannot load " + base_name(path) + ": " + m.substr(0, 400));
  }
}

FirstSession open_first_session(const std::string& path, const RuntimeOptions& r,
                                const std::function<void(Ort::Session&)>& on_cuda, const char* corrupt_code) {
  const std::string& want = r.provider;
  if (want != "auto" && want != "cuda" && want != "cpu") {
    throw NativeError("INVALID_ARGUMENT", "provider must be auto, cuda or cpu");
  }
  FirstSession out;
  if (want != "cpu") {
    try {
      out.session = std::make_unique<Ort::Session>(ort_env(), ort_path(path).c_str(), make_options(r, true));
      if (on_cuda) on_cuda(*out.session);
      out.cuda = true;
    } catch (const std::exception& e) {
      out.session.reset();
      std::string msg = e.what();
      // A provider that loaded but ran out of device memory is not "unavailable": say what happened.
      if (want == "cuda" && looks_like_oom(msg)) {
        throw NativeError("NATIVE_OUT_OF_MEMORY", "CUDA ran out of memory opening " + base_name(path) + ": " + msg.substr(0, 300));
      }
      const size_t nl = msg.find('\n');
      if (nl != std::string::npos) msg = msg.substr(0, nl);
      if (msg.size() > 300) msg = msg.substr(0, 300);
      if (want == "cuda") throw NativeError("NATIVE_PROVIDER_UNAVAILABLE", "the CUDA execution provider did not load: " + msg);
      out.note = "CUDA not used: " + msg;
    }
  }
  if (!out.session) out.session = open_session(path, r, false, corrupt_code);
  return out;
}

}  // namespace sb
