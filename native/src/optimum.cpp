// The Optimum-layout MusicGen loop: text encoder once, the merged decoder step by step with its growing past, EnCodec decode.
#include "optimum.h"

#include <algorithm>
#include <map>
#include <new>

namespace sb {

namespace {

struct TensorMeta {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<int64_t> shape;  // -1 for a symbolic dimension
};

/** Input (or output) name -> element type and declared shape. */
std::map<std::string, TensorMeta> tensors_of(Ort::Session& s, bool inputs) {
  std::map<std::string, TensorMeta> out;
  Ort::AllocatorWithDefaultOptions alloc;
  const size_t n = inputs ? s.GetInputCount() : s.GetOutputCount();
  for (size_t i = 0; i < n; i++) {
    auto name = inputs ? s.GetInputNameAllocated(i, alloc) : s.GetOutputNameAllocated(i, alloc);
    Ort::TypeInfo ti = inputs ? s.GetInputTypeInfo(i) : s.GetOutputTypeInfo(i);
    TensorMeta m;
    if (ti.GetONNXType() == ONNX_TYPE_TENSOR) {
      auto t = ti.GetTensorTypeAndShapeInfo();
      m.type = t.GetElementType();
      m.shape = t.GetShape();
    }
    out[name.get()] = m;
  }
  return out;
}

/** The graph must declare `name` with this element type (and rank when rank > 0). */
void require(const std::map<std::string, TensorMeta>& have, const std::string& name, ONNXTensorElementDataType type,
             size_t rank, const std::string& file, const char* kind) {
  auto it = have.find(name);
  if (it == have.end()) {
    throw NativeError("OPTIMUM_FILE_CORRUPT", file + " has no " + kind + " " + name + ": not an Optimum-layout MusicGen graph");
  }
  if (it->second.type != type || (rank > 0 && it->second.shape.size() != rank)) {
    throw NativeError("OPTIMUM_FILE_CORRUPT", file + ": " + kind + " " + name + " has an unexpected type or rank");
  }
}

std::string past_name(const char* prefix, int layer, const char* part, const char* kv) {
  return std::string(prefix) + "." + std::to_string(layer) + "." + part + "." + kv;
}

/**
 * Transformers.js's ClassifierFreeGuidanceLogitsProcessor: `uncond[i] += (cond[i] - uncond[i]) * scale` on
 * Float32Arrays, i.e. computed in double and stored as float32; the result is widened again for picking.
 */
void combine_cfg(const float* cond, const float* uncond, double scale, int card, double* out) {
  for (int j = 0; j < card; j++) {
    const double u = uncond[j], c = cond[j];
    const double d = c - u;
    const double h = d * scale;
    out[j] = static_cast<double>(static_cast<float>(u + h));
  }
}

}  // namespace

struct OptimumModel::Impl {
  bool cuda = false;
  std::unique_ptr<Ort::Session> text, decoder, codec;
  Ort::MemoryInfo cpu_mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::unique_ptr<Ort::MemoryInfo> cuda_mem;
  /** past_key_values.{i}.{decoder|encoder}.{key|value} and present.* in the same order (4 per layer). */
  std::vector<std::string> past_names, present_names;
  int head_dim = 0;
  int64_t text_dim = -1;  // encoder_hidden_states' last dimension when the graph fixes it
};

std::shared_ptr<OptimumModel> OptimumModel::open(const OptimumConfig& config) {
  ensure_ort();
  const OptimumConfig& c = config;
  if (c.layers <= 0 || c.heads <= 0 || c.hidden <= 0 || c.hidden % c.heads != 0 || c.codebooks <= 0 || c.card <= 1 ||
      c.pad_token < 0 || c.max_positions <= 1 || c.text_encoder.empty() || c.decoder.empty() || c.codec_decode.empty()) {
    throw NativeError("OPTIMUM_CONFIG_INVALID", "the Optimum model configuration is incomplete or inconsistent");
  }
  std::shared_ptr<OptimumModel> m(new OptimumModel());
  m->config_ = config;
  m->impl_ = std::make_unique<Impl>();
  Impl& im = *m->impl_;
  im.head_dim = c.hidden / c.heads;
  // Execution providers in order: CUDA, then CPU (as the package loop). The decoder decides; the others follow.
  FirstSession first = open_first_session(c.decoder, c.runtime, nullptr, "OPTIMUM_FILE_CORRUPT");
  im.decoder = std::move(first.session);
  im.cuda = first.cuda;
  if (im.cuda) im.cuda_mem = std::make_unique<Ort::MemoryInfo>("Cuda", OrtArenaAllocator, c.runtime.device_id, OrtMemTypeDefault);
  m->provider_ = im.cuda ? "cuda" : "cpu";
  m->provider_note_ = im.cuda ? "CUDA device " + std::to_string(c.runtime.device_id) + "; past keys/values stay on the device" : first.note;
  im.text = open_session(c.text_encoder, c.runtime, im.cuda, "OPTIMUM_FILE_CORRUPT");
  im.codec = open_session(c.codec_decode, c.runtime, im.cuda, "OPTIMUM_FILE_CORRUPT");

  const auto I64 = ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, F32 = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  const std::string tf = base_name(c.text_encoder), df = base_name(c.decoder), cf = base_name(c.codec_decode);
  {
    auto in = tensors_of(*im.text, true), out = tensors_of(*im.text, false);
    require(in, "input_ids", I64, 2, tf, "input");
    require(in, "attention_mask", I64, 2, tf, "input");
    require(out, "last_hidden_state", F32, 3, tf, "output");
  }
  {
    auto in = tensors_of(*im.codec, true), out = tensors_of(*im.codec, false);
    require(in, "audio_codes", I64, 4, cf, "input");
    require(out, "audio_values", F32, 3, cf, "output");
  }
  auto in = tensors_of(*im.decoder, true), out = tensors_of(*im.decoder, false);
  require(in, "input_ids", I64, 2, df, "input");
  require(in, "encoder_hidden_states", F32, 3, df, "input");
  require(in, "encoder_attention_mask", I64, 2, df, "input");
  require(in, "use_cache_branch", ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL, 0, df, "input");
  require(out, "logits", F32, 3, df, "output");
  im.text_dim = in["encoder_hidden_states"].shape[2];
  int graph_layers = 0;
  while (in.count(past_name("past_key_values", graph_layers, "decoder", "key"))) graph_layers++;
  if (graph_layers != c.layers) {
    throw NativeError("OPTIMUM_CONFIG_INVALID", "config.json says decoder.num_hidden_layers " + std::to_string(c.layers) + " but " +
                                                    df + " has past keys/values for " + std::to_string(graph_layers) + " layers");
  }
  for (int i = 0; i < c.layers; i++) {
    for (const char* part : {"decoder", "encoder"}) {
      for (const char* kv : {"key", "value"}) {
        im.past_names.push_back(past_name("past_key_values", i, part, kv));
        im.present_names.push_back(past_name("present", i, part, kv));
        require(in, im.past_names.back(), F32, 4, df, "input");
        require(out, im.present_names.back(), F32, 4, df, "output");
        const auto& s = in[im.past_names.back()].shape;
        if ((s[1] > 0 && s[1] != c.heads) || (s[3] > 0 && s[3] != im.head_dim)) {
          throw NativeError("OPTIMUM_CONFIG_INVALID", "config.json's decoder heads " + std::to_string(c.heads) + " x " +
                                                          std::to_string(im.head_dim) + " do not match " + df + "'s " +
                                                          im.past_names.back() + " [" + std::to_string(s[0]) + ", " +
                                                          std::to_string(s[1]) + ", " + std::to_string(s[2]) + ", " +
                                                          std::to_string(s[3]) + "]");
        }
      }
    }
  }
  return m;
}

OptimumModel::~OptimumModel() = default;

GenerateResult OptimumModel::generate(const OptimumRequest& req, GenerateSink& sink) {
  Impl& im = *impl_;
  const OptimumConfig& c = config_;
  const int K = c.codebooks, card = c.card, N = req.variations, S = req.max_new_tokens;
  const int T = S + 1 - K;  // what the library's delay-pattern filter keeps
  if (N < 1 || T < 1) throw NativeError("MODEL_BAD_REQUEST", "variations must be at least 1 and max_new_tokens at least the codebook count");
  if (S + 1 > c.max_positions) {
    throw NativeError("MODEL_LIMIT_EXCEEDED", "max_new_tokens " + std::to_string(S) + " + the start token exceed the decoder's " +
                                                  std::to_string(c.max_positions) + " positions");
  }
  if (req.token_ids.empty()) throw NativeError("MODEL_BAD_REQUEST", "the prompt has no tokens");
  const bool guided = req.guidance_scale > 1;
  const int G = guided ? 2 : 1, R = N * G, rows = R * K;
  GenerateResult res;
  res.mode = guided ? Guidance::Single : Guidance::None;
  res.rows = G;
  res.frames = T;
  res.prefix_length = static_cast<int>(req.token_ids.size());

  // The prompt, encoded once (batch 1); the unconditional rows get zero states and a zero mask.
  auto t0 = Clock::now();
  const int64_t L = static_cast<int64_t>(req.token_ids.size());
  std::vector<float> states;
  std::vector<int64_t> mask(static_cast<size_t>(R) * L, 0);
  int64_t Dt = 0;
  {
    Ort::Value out = run_text_encoder(*im.text, im.cpu_mem, req.token_ids, "last_hidden_state");
    const auto d = dims_of(out);
    if (d.size() != 3 || d[0] != 1 || d[1] != L || (im.text_dim > 0 && d[2] != im.text_dim)) {
      throw NativeError("OPTIMUM_FILE_CORRUPT", "text_encoder's last_hidden_state does not fit the decoder's encoder_hidden_states");
    }
    Dt = d[2];
    const float* p = out.GetTensorData<float>();
    try {
      states.assign(static_cast<size_t>(R) * L * Dt, 0.0f);
    } catch (const std::bad_alloc&) {
      throw NativeError("NATIVE_OUT_OF_MEMORY", "the encoder states do not fit in memory");
    }
    for (int v = 0; v < N; v++) {
      std::copy(p, p + L * Dt, states.begin() + static_cast<size_t>(v) * L * Dt);
      std::fill(mask.begin() + static_cast<size_t>(v) * L, mask.begin() + static_cast<size_t>(v + 1) * L, 1);
    }
  }
  res.text_ms = ms_since(t0);

  // seq[(v * K + k) * (S + 1) + j]: position 0 is the start token (pad), position j + 1 is what step j picked.
  std::vector<int64_t> seq(static_cast<size_t>(N) * K * (S + 1), c.pad_token);
  auto at = [&](int v, int k, int j) -> int64_t& { return seq[(static_cast<size_t>(v) * K + k) * (S + 1) + j]; };
  std::vector<Pcg32> rngs;
  for (int v = 0; v < N; v++) rngs.emplace_back(req.seed + static_cast<uint64_t>(req.first_variation + v), kVariationStream);

  const std::vector<int64_t> ids_shape{rows, 1}, states_shape{R, L, Dt}, mask_shape{R, L}, flag_shape{1};
  std::vector<int64_t> ids(rows);
  Ort::Value states_v = Ort::Value::CreateTensor<float>(im.cpu_mem, states.data(), states.size(), states_shape.data(), 3);
  Ort::Value mask_v = Ort::Value::CreateTensor<int64_t>(im.cpu_mem, mask.data(), mask.size(), mask_shape.data(), 2);
  Ort::Value ids_v = Ort::Value::CreateTensor<int64_t>(im.cpu_mem, ids.data(), ids.size(), ids_shape.data(), 2);
  // The first step runs the no-past branch; it still takes empty past tensors, as the library feeds them.
  const int nkv = static_cast<int>(im.past_names.size());
  std::vector<Ort::Value> past;
  {
    Ort::AllocatorWithDefaultOptions alloc;
    const std::vector<int64_t> empty{rows, c.heads, 0, im.head_dim};
    for (int i = 0; i < nkv; i++) past.push_back(Ort::Value::CreateTensor<float>(alloc, empty.data(), empty.size()));
  }
  std::vector<double> combined(card);
  PickScratch scratch;
  auto t_steps = Clock::now();
  for (int j = 0; j < S; j++) {
    if (sink.cancelled()) throw NativeError("CANCELLED", "generation was cancelled");
    auto ts = Clock::now();
    // Input ids: the last picked token of each row, pad while codebook k >= position j; both halves alike.
    for (int g = 0; g < G; g++)
      for (int v = 0; v < N; v++)
        for (int k = 0; k < K; k++) ids[(static_cast<size_t>(g) * N + v) * K + k] = k >= j ? c.pad_token : at(v, k, j);
    bool use_cache = j > 0;
    Ort::Value flag_v = Ort::Value::CreateTensor<bool>(im.cpu_mem, &use_cache, 1, flag_shape.data(), 1);
    Ort::IoBinding bind(*im.decoder);
    bind.BindInput("input_ids", ids_v);
    bind.BindInput("encoder_hidden_states", states_v);
    bind.BindInput("encoder_attention_mask", mask_v);
    bind.BindInput("use_cache_branch", flag_v);
    for (int i = 0; i < nkv; i++) bind.BindInput(im.past_names[i].c_str(), past[i]);
    // Logits come to the host for picking; the presents stay where the decoder ran (the device under CUDA).
    bind.BindOutput("logits", im.cpu_mem);
    for (int i = 0; i < nkv; i++) bind.BindOutput(im.present_names[i].c_str(), im.cuda ? *im.cuda_mem : im.cpu_mem);
    try {
      im.decoder->Run(Ort::RunOptions{nullptr}, bind);
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, "decoder_model_merged");
    }
    std::vector<Ort::Value> outs = bind.GetOutputValues();
    const auto ld = dims_of(outs[0]);
    if (ld.size() != 3 || ld[0] != rows || ld[1] != 1 || ld[2] != card) {
      throw NativeError("OPTIMUM_CONFIG_INVALID", "the decoder's logits are not [" + std::to_string(rows) + ", 1, " +
                                                      std::to_string(card) + "] (config.json decoder.vocab_size)");
    }
    // The next past: the decoder's presents as they are (no copy); the cross-attention keys/values of the first step.
    for (int i = 0; i < nkv; i++) {
      const bool cross = (i % 4) >= 2;
      if (j == 0 || !cross) past[i] = std::move(outs[1 + i]);
    }
    const float* logits = outs[0].GetTensorData<float>();
    for (int v = 0; v < N; v++) {
      for (int k = 0; k < K; k++) {
        const float* cond = logits + (static_cast<size_t>(v) * K + k) * card;
        if (guided) {
          combine_cfg(cond, logits + (static_cast<size_t>(N + v) * K + k) * card, req.guidance_scale, card, combined.data());
        } else {
          for (int x = 0; x < card; x++) combined[x] = cond[x];
        }
        at(v, k, j + 1) = pick_token(combined.data(), card, rngs[v], req.pick, scratch);
      }
    }
    const float step = static_cast<float>(ms_since(ts));
    if (j == 0) res.prefill_ms = step;
    else res.step_ms.push_back(step);
    res.lm_calls++;
    sink.progress(j + 1, S);
  }
  res.steps_ms = ms_since(t_steps) - res.prefill_ms;

  // The delay pattern undone: frame t of codebook k was picked at position t + 1 + k.
  res.codes.assign(N, std::vector<int32_t>(static_cast<size_t>(K) * T));
  std::vector<int64_t> all(static_cast<size_t>(N) * K * T);
  for (int v = 0; v < N; v++)
    for (int k = 0; k < K; k++)
      for (int t = 0; t < T; t++) {
        const int64_t code = at(v, k, t + 1 + k);
        res.codes[v][static_cast<size_t>(k) * T + t] = static_cast<int32_t>(code);
        all[(static_cast<size_t>(v) * K + k) * T + t] = code;
      }
  if (req.decode) {
    if (sink.cancelled()) throw NativeError("CANCELLED", "generation was cancelled");
    auto td = Clock::now();
    const std::vector<int64_t> shape{1, N, K, T};
    Ort::Value in = Ort::Value::CreateTensor<int64_t>(im.cpu_mem, all.data(), all.size(), shape.data(), 4);
    const char* in_names[] = {"audio_codes"};
    const char* out_names[] = {"audio_values"};
    std::vector<Ort::Value> out;
    try {
      out = im.codec->Run(Ort::RunOptions{nullptr}, in_names, &in, 1, out_names, 1);
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, "encodec_decode");
    }
    const auto d = dims_of(out[0]);
    if (d.size() != 3 || d[0] != N || d[1] != 1 || d[2] <= 0) {
      throw NativeError("OPTIMUM_FILE_CORRUPT", "encodec_decode's audio_values is not [variations, 1, samples]");
    }
    const float* a = out[0].GetTensorData<float>();
    const size_t per = static_cast<size_t>(d[2]);
    for (int v = 0; v < N; v++) res.audio.emplace_back(a + v * per, a + (v + 1) * per);
    res.decode_ms = ms_since(td);
  }
  return res;
}

}  // namespace sb
