// The generation engine over ONNX Runtime: sessions, provider choice (CUDA then CPU), the fixed-capacity KV loop.
#include "generator.h"

#include <onnxruntime_cxx_api.h>
#include <onnxruntime_session_options_config_keys.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "cuda_copy.h"

namespace sb {

namespace {

/** Device memory from an ORT allocator, freed with it. */
struct DeviceBuffer {
  OrtAllocator* alloc = nullptr;
  void* ptr = nullptr;
  DeviceBuffer(OrtAllocator* a, size_t bytes) : alloc(a) {
    Ort::ThrowOnError(Ort::GetApi().AllocatorAlloc(a, bytes, &ptr));
  }
  ~DeviceBuffer() {
    if (ptr) Ort::GetApi().AllocatorFree(alloc, ptr);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

float* tensor_floats(Ort::Value& v) { return v.GetTensorMutableData<float>(); }

}  // namespace

struct Model::Impl {
  bool cuda = false;
  CudaCopy cudart;
  std::unique_ptr<Ort::Session> text, style, lm, codec;
  Ort::MemoryInfo cpu_mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::unique_ptr<Ort::MemoryInfo> cuda_mem;
  std::unique_ptr<Ort::Allocator> cuda_alloc;
  std::vector<std::string> cache_names, new_names;  // 2L each: key.0, value.0, key.1, ...

  std::unique_ptr<Ort::Session> open_session(const std::string& path, const RuntimeOptions& r) {
    return sb::open_session(path, r, cuda, "MODEL_FILE_CORRUPT");
  }

  /** One lm_kv call with the caches bound; returns the logits value. Copies the new K/V into the caches. */
  struct LmState {
    int B = 0, C = 0, position = 0;
    std::vector<std::vector<float>> host_caches;              // CPU path
    std::vector<std::unique_ptr<DeviceBuffer>> device_caches;  // CUDA path
    std::vector<Ort::Value> cache_values;
    Ort::Value logits{nullptr};
  };

  void init_caches(LmState& st, const ModelConfig& c, int B, int C) {
    const int H = c.heads, Dh = c.dim / c.heads;
    const size_t count = static_cast<size_t>(B) * H * C * Dh;
    const std::vector<int64_t> shape{B, H, C, Dh};
    st.B = B;
    st.C = C;
    st.position = 0;
    st.cache_values.clear();
    const uint64_t bytes = 2ull * c.layers * count * sizeof(float);
    if (c.max_cache_bytes > 0 && bytes > c.max_cache_bytes) {
      throw NativeError("NATIVE_OUT_OF_MEMORY", "the KV cache would take " + std::to_string(bytes) + " bytes (" +
                                                    std::to_string(B) + " rows x " + std::to_string(C) +
                                                    " positions), more than maxKvCacheBytes " +
                                                    std::to_string(c.max_cache_bytes));
    }
    try {
      for (int i = 0; i < 2 * c.layers; i++) {
        if (cuda) {
          st.device_caches.push_back(std::make_unique<DeviceBuffer>(*cuda_alloc, count * sizeof(float)));
          cudart.zero(st.device_caches.back()->ptr, count * sizeof(float), c.runtime.device_id);
          st.cache_values.push_back(Ort::Value::CreateTensor(*cuda_mem, st.device_caches.back()->ptr,
                                                             count * sizeof(float), shape.data(), shape.size(),
                                                             ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT));
        } else {
          st.host_caches.emplace_back(count, 0.0f);
          st.cache_values.push_back(Ort::Value::CreateTensor<float>(cpu_mem, st.host_caches.back().data(), count,
                                                                    shape.data(), shape.size()));
        }
      }
      if (cuda) cudart.sync(c.runtime.device_id);
    } catch (const std::bad_alloc&) {
      throw NativeError("NATIVE_OUT_OF_MEMORY", "the KV cache (" + std::to_string(2 * c.layers * count * 4 / 1048576) +
                                                    " MiB) does not fit in memory");
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, "allocating the KV cache");
    }
  }

  const float* lm_call(LmState& st, const ModelConfig& c, const float* prefix, int P, const int64_t* codes) {
    const int B = st.B, D = c.dim, K = c.codebooks, H = c.heads, Dh = c.dim / c.heads, L = c.layers;
    const int n = P + 1;
    if (st.position + n > st.C) throw NativeError("INTERNAL", "KV cache capacity exceeded");
    const std::vector<int64_t> prefix_shape{B, P, D}, codes_shape{B, K, 1}, pos_shape{1};
    int64_t position = st.position;
    float empty = 0;
    Ort::Value prefix_v = Ort::Value::CreateTensor<float>(cpu_mem, P > 0 ? const_cast<float*>(prefix) : &empty,
                                                          static_cast<size_t>(B) * P * D, prefix_shape.data(), 3);
    Ort::Value codes_v = Ort::Value::CreateTensor<int64_t>(cpu_mem, const_cast<int64_t*>(codes),
                                                           static_cast<size_t>(B) * K, codes_shape.data(), 3);
    Ort::Value pos_v = Ort::Value::CreateTensor<int64_t>(cpu_mem, &position, 1, pos_shape.data(), 1);
    Ort::IoBinding bind(*lm);
    bind.BindInput("prefix", prefix_v);
    bind.BindInput("codes", codes_v);
    bind.BindInput("position", pos_v);
    for (int i = 0; i < 2 * L; i++) bind.BindInput(cache_names[i].c_str(), st.cache_values[i]);
    // Logits always come to the host (float64 sampling); new K/V stay where the caches are.
    bind.BindOutput("logits", cpu_mem);
    // lm_fused writes the new keys/values into the caches themselves: present_* are the cache buffers.
    for (int i = 0; i < 2 * L; i++) {
      if (c.lm_in_place) bind.BindOutput(new_names[i].c_str(), st.cache_values[i]);
      else bind.BindOutput(new_names[i].c_str(), cuda ? *cuda_mem : cpu_mem);
    }
    try {
      lm->Run(Ort::RunOptions{nullptr}, bind);
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, c.lm_in_place ? "lm_fused" : "lm_kv");
    }
    std::vector<Ort::Value> outs = bind.GetOutputValues();
    if (c.lm_in_place) {
      for (int i = 0; i < 2 * L; i++) {
        if (outs[1 + i].GetTensorRawData() != st.cache_values[i].GetTensorRawData()) {
          throw NativeError("MODEL_SIGNATURE_MISMATCH", new_names[i] + " was not written in place into its cache");
        }
      }
      st.position += n;
      return take_logits(st, c, std::move(outs[0]));
    }
    const size_t row_bytes = static_cast<size_t>(n) * Dh * sizeof(float);
    const size_t cache_pitch = static_cast<size_t>(st.C) * Dh * sizeof(float);
    for (int i = 0; i < 2 * L; i++) {
      const auto d = dims_of(outs[1 + i]);
      if (d.size() != 4 || d[0] != B || d[1] != H || d[2] != n || d[3] != Dh) {
        throw NativeError("MODEL_SIGNATURE_MISMATCH", new_names[i] + " has an unexpected shape");
      }
      if (cuda) {
        auto* dst = static_cast<char*>(st.device_caches[i]->ptr) + static_cast<size_t>(st.position) * Dh * sizeof(float);
        cudart.copy2d(dst, cache_pitch, outs[1 + i].GetTensorRawData(), row_bytes, row_bytes,
                      static_cast<size_t>(B) * H, c.runtime.device_id);
      } else {
        const char* src = static_cast<const char*>(outs[1 + i].GetTensorRawData());
        char* dst = reinterpret_cast<char*>(st.host_caches[i].data()) + static_cast<size_t>(st.position) * Dh * sizeof(float);
        for (int bh = 0; bh < B * H; bh++) std::memcpy(dst + bh * cache_pitch, src + bh * row_bytes, row_bytes);
      }
    }
    if (cuda) cudart.sync(c.runtime.device_id);
    st.position += n;
    return take_logits(st, c, std::move(outs[0]));
  }

  const float* take_logits(LmState& st, const ModelConfig& c, Ort::Value&& logits) {
    const auto ld = dims_of(logits);
    if (ld.size() != 3 || ld[0] != st.B || ld[1] != c.codebooks || ld[2] != c.card) {
      throw NativeError("MODEL_SIGNATURE_MISMATCH", "logits has an unexpected shape");
    }
    st.logits = std::move(logits);
    return st.logits.GetTensorData<float>();
  }

  /** codec_decode of codes [N, K, len] (int64) -> N vectors of len * hop samples. */
  std::vector<std::vector<float>> decode(const ModelConfig& c, const std::vector<int64_t>& codes, int N, int len) {
    const std::vector<int64_t> shape{N, c.codebooks, len};
    Ort::Value in = Ort::Value::CreateTensor<int64_t>(cpu_mem, const_cast<int64_t*>(codes.data()), codes.size(),
                                                      shape.data(), 3);
    const char* in_names[] = {"codes"};
    const char* out_names[] = {"audio"};
    std::vector<Ort::Value> out;
    try {
      out = codec->Run(Ort::RunOptions{nullptr}, in_names, &in, 1, out_names, 1);
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, "codec_decode");
    }
    const auto d = dims_of(out[0]);
    const size_t per = static_cast<size_t>(len) * c.hop_length;
    if (d.size() != 3 || d[0] != N || static_cast<size_t>(d[2]) != per) {
      throw NativeError("MODEL_SIGNATURE_MISMATCH", "codec_decode audio has an unexpected shape");
    }
    const float* a = out[0].GetTensorData<float>();
    std::vector<std::vector<float>> res(N);
    for (int v = 0; v < N; v++) res[v].assign(a + v * per, a + (v + 1) * per);
    return res;
  }
};

std::shared_ptr<Model> Model::open(const ModelConfig& config) {
  ensure_ort();
  if (config.dim <= 0 || config.heads <= 0 || config.dim % config.heads != 0 || config.layers <= 0 ||
      config.codebooks <= 0 || config.card <= 0 || static_cast<int>(config.delays.size()) != config.codebooks ||
      config.hop_length <= 0 || config.lm_kv.empty() || config.codec_decode.empty()) {
    throw NativeError("MODEL_MANIFEST_INVALID", "model configuration is incomplete or inconsistent");
  }
  std::shared_ptr<Model> m(new Model());
  m->config_ = config;
  m->impl_ = std::make_unique<Impl>();
  Impl& im = *m->impl_;
  for (int i = 0; i < config.layers; i++) {
    for (const char* kind : {"key", "value"}) {
      im.cache_names.push_back(std::string("cache_") + kind + "." + std::to_string(i));
      im.new_names.push_back(std::string(config.lm_in_place ? "present_" : "new_") + kind + "." + std::to_string(i));
    }
  }
  // Execution providers in order: CUDA, then CPU. The LM session decides; the others follow it.
  FirstSession first = open_first_session(config.lm_kv, config.runtime, [&im, &config](Ort::Session& lm) {
    try {
      im.cuda_mem = std::make_unique<Ort::MemoryInfo>("Cuda", OrtArenaAllocator, config.runtime.device_id, OrtMemTypeDefault);
      im.cuda_alloc = std::make_unique<Ort::Allocator>(lm, *im.cuda_mem);
      std::string why;
      if (!im.cudart.load(&why)) throw std::runtime_error(why);
    } catch (...) {
      im.cuda_alloc.reset();
      im.cuda_mem.reset();
      throw;
    }
  }, "MODEL_FILE_CORRUPT");
  im.lm = std::move(first.session);
  im.cuda = first.cuda;
  m->provider_ = im.cuda ? "cuda" : "cpu";
  m->provider_note_ = im.cuda ? "CUDA device " + std::to_string(config.runtime.device_id) + "; KV cache on the device" : first.note;
  im.codec = im.open_session(config.codec_decode, config.runtime);
  if (!config.text_encoder.empty()) im.text = im.open_session(config.text_encoder, config.runtime);
  if (!config.style_encoder.empty()) im.style = im.open_session(config.style_encoder, config.runtime);
  return m;
}

Model::~Model() = default;

GenerateResult Model::generate(const GenerateRequest& req, GenerateSink& sink) {
  Impl& im = *impl_;
  const ModelConfig& c = config_;
  const int D = c.dim, K = c.codebooks, card = c.card;
  const int dmax = *std::max_element(c.delays.begin(), c.delays.end());
  const int N = req.variations, T = req.frames;
  if (N < 1 || T < 1) throw NativeError("MODEL_BAD_REQUEST", "frames and variations must be at least 1");
  GenerateResult res;
  res.frames = T;

  // Conditioning blocks (section 4.2), each encoded once with batch 1.
  std::vector<float> style_emb, text_emb;
  int ns = 0, nt = 0;
  const bool has_style = !req.style_audio.empty();
  const bool has_text = !req.token_ids.empty();
  if (has_style) {
    if (!im.style) throw NativeError("MODEL_BAD_REQUEST", "this model takes no style audio");
    auto t0 = Clock::now();
    const std::vector<int64_t> ashape{1, static_cast<int64_t>(req.style_audio.size())}, sshape{1};
    int64_t streams = req.streams;
    Ort::Value inputs[] = {
        Ort::Value::CreateTensor<float>(im.cpu_mem, const_cast<float*>(req.style_audio.data()), req.style_audio.size(),
                                        ashape.data(), 2),
        Ort::Value::CreateTensor<int64_t>(im.cpu_mem, &streams, 1, sshape.data(), 1)};
    const char* in_names[] = {"audio", "num_streams"};
    const char* out_names[] = {"style_embeds"};
    std::vector<Ort::Value> out;
    try {
      out = im.style->Run(Ort::RunOptions{nullptr}, in_names, inputs, 2, out_names, 1);
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, "style_encoder");
    }
    const auto d = dims_of(out[0]);
    if (d.size() != 3 || d[0] != 1 || d[2] != D) throw NativeError("MODEL_SIGNATURE_MISMATCH", "style_embeds has an unexpected shape");
    ns = static_cast<int>(d[1]);
    const float* p = out[0].GetTensorData<float>();
    style_emb.assign(p, p + static_cast<size_t>(ns) * D);
    res.style_ms = ms_since(t0);
  }
  if (has_text) {
    if (!im.text) throw NativeError("MODEL_BAD_REQUEST", "this model takes no text");
    auto t0 = Clock::now();
    const int64_t lt = static_cast<int64_t>(req.token_ids.size());
    Ort::Value out = run_text_encoder(*im.text, im.cpu_mem, req.token_ids, "text_embeds");
    const auto d = dims_of(out);
    if (d.size() != 3 || d[0] != 1 || d[1] != lt || d[2] != D) throw NativeError("MODEL_SIGNATURE_MISMATCH", "text_embeds has an unexpected shape");
    nt = static_cast<int>(lt);
    const float* p = out.GetTensorData<float>();
    text_emb.assign(p, p + static_cast<size_t>(nt) * D);
    res.text_ms = ms_since(t0);
  }

  // Guidance mode and rows (section 4.3).
  Guidance mode;
  if (req.mode >= 0) {
    mode = static_cast<Guidance>(req.mode);
    if (mode == Guidance::Double && !(has_style && has_text && req.has_beta)) {
      throw NativeError("MODEL_BAD_REQUEST", "double guidance needs style audio, a prompt and cfgBeta");
    }
  } else {
    mode = has_style && has_text && req.has_beta ? Guidance::Double : Guidance::Single;
  }
  const int G = guidance_rows(mode);
  const int B = N * G;
  const int P = ns + nt;
  const int capacity = P + T + dmax;
  if (capacity > c.max_positions) {
    throw NativeError("MODEL_LIMIT_EXCEEDED", "prefix " + std::to_string(P) + " + frames " + std::to_string(T) + " + delay " +
                                                  std::to_string(dmax) + " exceeds the model's " +
                                                  std::to_string(c.max_positions) + " positions");
  }
  res.mode = mode;
  res.prefix_length = P;
  res.rows = G;

  // Rows' prefixes: row 0 [style|text], row 1 [style|0] (double) or zeros (single), the last row zeros.
  std::vector<float> prefix;
  try {
    prefix.assign(static_cast<size_t>(B) * P * D, 0.0f);
  } catch (const std::bad_alloc&) {
    throw NativeError("NATIVE_OUT_OF_MEMORY", "the prefix does not fit in memory");
  }
  for (int v = 0; v < N; v++) {
    float* r0 = prefix.data() + static_cast<size_t>(v * G) * P * D;
    std::copy(style_emb.begin(), style_emb.end(), r0);
    std::copy(text_emb.begin(), text_emb.end(), r0 + static_cast<size_t>(ns) * D);
    if (mode == Guidance::Double) std::copy(style_emb.begin(), style_emb.end(), r0 + static_cast<size_t>(P) * D);
  }

  // The loop (section 4.4) over the fixed-capacity cache.
  Impl::LmState st;
  im.init_caches(st, c, B, capacity);
  const int s_total = T + dmax + 1;
  std::vector<int32_t> seq(static_cast<size_t>(N) * K * s_total, c.special_token);  // seq[(v*K + k)*s_total + s]
  auto at = [&](int v, int k, int s) -> int32_t& { return seq[(static_cast<size_t>(v) * K + k) * s_total + s]; };
  std::vector<Pcg32> rngs;
  for (int v = 0; v < N; v++) rngs.emplace_back(req.seed + static_cast<uint64_t>(req.first_variation + v), kVariationStream);
  std::vector<int64_t> codes(static_cast<size_t>(B) * K);
  auto feed = [&](int s, bool with_prefix) {
    for (int r = 0; r < B; r++)
      for (int k = 0; k < K; k++) codes[static_cast<size_t>(r) * K + k] = at(r / G, k, s);
    return im.lm_call(st, c, with_prefix ? prefix.data() : nullptr, with_prefix ? P : 0, codes.data());
  };

  auto t0 = Clock::now();
  const float* logits = feed(0, true);
  res.prefill_ms = ms_since(t0);
  res.lm_calls = 1;
  std::vector<double> combined(card);
  std::vector<const float*> rows(G);
  PickScratch scratch;
  int emitted = 0;
  auto t_steps = Clock::now();
  for (int s = 1; s < s_total; s++) {
    if (sink.cancelled()) throw NativeError("CANCELLED", "generation was cancelled");
    for (int v = 0; v < N; v++) {
      for (int k = 0; k < K; k++) {
        const int t = s - 1 - c.delays[k];
        if (t < 0 || t >= T) continue;
        for (int g = 0; g < G; g++) rows[g] = logits + (static_cast<size_t>(v * G + g) * K + k) * card;
        combine_guidance(rows.data(), mode, req.cfg, req.beta, card, combined.data());
        at(v, k, s) = pick_token(combined.data(), card, rngs[v], req.pick, scratch);
      }
    }
    sink.progress(s, s_total - 1);
    // Frames whose every codebook is known can be decoded and handed out for early audition. The codec's
    // convolutions look ahead: a chunk is decoded with chunk_lookahead known frames after it (and
    // chunk_frames before it) so its edges are close to the final decode.
    const int complete = std::min(T, std::max(0, s - dmax));
    const int ready = complete == T ? T : std::max(emitted, complete - req.chunk_lookahead);
    if (req.chunk_frames > 0 && (ready - emitted >= req.chunk_frames || (complete == T && emitted < T))) {
      auto td = Clock::now();
      const int ctx = std::min(emitted, req.chunk_frames);
      const int first = emitted - ctx, len = complete - first;
      std::vector<int64_t> chunk(static_cast<size_t>(N) * K * len);
      for (int v = 0; v < N; v++)
        for (int k = 0; k < K; k++)
          for (int t = 0; t < len; t++) chunk[(static_cast<size_t>(v) * K + k) * len + t] = at(v, k, first + t + 1 + c.delays[k]);
      auto audio = im.decode(c, chunk, N, len);
      for (auto& a : audio) {
        a.resize(static_cast<size_t>(ready - first) * c.hop_length);
        a.erase(a.begin(), a.begin() + static_cast<size_t>(ctx) * c.hop_length);
      }
      res.stream_decode_ms += ms_since(td);
      sink.chunk(emitted, std::move(audio));
      emitted = ready;
    }
    if (s < s_total - 1) {
      auto ts = Clock::now();
      logits = feed(s, false);
      res.step_ms.push_back(static_cast<float>(ms_since(ts)));
      res.lm_calls++;
    }
  }
  res.steps_ms = ms_since(t_steps) - res.stream_decode_ms;

  res.codes.assign(N, std::vector<int32_t>(static_cast<size_t>(K) * T));
  std::vector<int64_t> all(static_cast<size_t>(N) * K * T);
  for (int v = 0; v < N; v++)
    for (int k = 0; k < K; k++)
      for (int t = 0; t < T; t++) {
        const int32_t code = at(v, k, t + 1 + c.delays[k]);
        res.codes[v][static_cast<size_t>(k) * T + t] = code;
        all[(static_cast<size_t>(v) * K + k) * T + t] = code;
      }
  if (req.decode) {
    if (sink.cancelled()) throw NativeError("CANCELLED", "generation was cancelled");
    auto td = Clock::now();
    res.audio = im.decode(c, all, N, T);
    res.decode_ms = ms_since(td);
  }
  return res;
}

std::vector<float> Model::bench_steps(int batch, int prefix, int steps) {
  Impl& im = *impl_;
  const ModelConfig& c = config_;
  if (batch < 1 || prefix < 0 || steps < 1) throw NativeError("INVALID_ARGUMENT", "bad benchmark shape");
  Impl::LmState st;
  // One capacity for the whole run, as in generation (prefix + steps + the prefill's code step).
  im.init_caches(st, c, batch, prefix + 1 + steps);
  std::vector<float> pre(static_cast<size_t>(batch) * prefix * c.dim);
  for (size_t i = 0; i < pre.size(); i++) pre[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  std::vector<int64_t> codes(static_cast<size_t>(batch) * c.codebooks, c.special_token);
  im.lm_call(st, c, pre.data(), prefix, codes.data());
  std::vector<float> out;
  for (int s = 0; s < steps; s++) {
    for (size_t i = 0; i < codes.size(); i++) codes[i] = static_cast<int64_t>((i * 17 + s * 5) % c.card);
    auto t0 = Clock::now();
    im.lm_call(st, c, nullptr, 0, codes.data());
    out.push_back(static_cast<float>(ms_since(t0)));
  }
  return out;
}

}  // namespace sb
