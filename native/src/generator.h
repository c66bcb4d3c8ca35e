// The generation engine: a model package's sessions and the loop of docs/model-package.md section 4 over lm_kv.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ort_session.h"
#include "sampling.h"

namespace sb {

struct ModelConfig {
  /** Absolute paths of the graphs; text_encoder / style_encoder empty when the package has none. */
  std::string text_encoder, style_encoder, lm_kv, codec_decode;
  /** lm_kv is the graph `lm_fused` (section 3.5): its present_* outputs are bound to the cache buffers (in place). */
  bool lm_in_place = false;
  int dim = 0, layers = 0, heads = 0, codebooks = 0, card = 0, special_token = 0, max_positions = 0;
  int hop_length = 0, sample_rate = 0;
  std::vector<int> delays;
  RuntimeOptions runtime;
  /** Ceiling on one generation's KV cache in bytes, checked before allocating (0: none; the facade passes a default). */
  uint64_t max_cache_bytes = 0;
};

struct GenerateRequest {
  int frames = 0;
  std::vector<float> style_audio;  // empty: no style block
  std::vector<int64_t> token_ids;  // empty: no text block
  int streams = 3;
  double cfg = 3.0;
  bool has_beta = true;
  double beta = 5.0;
  PickOptions pick;
  uint64_t seed = 0;
  int variations = 1;
  int first_variation = 0;
  int mode = -1;  // -1: section 4.3 chooses; else Guidance
  /** Frames per streamed audio chunk; 0 streams nothing. */
  int chunk_frames = 0;
  /** Known frames decoded after a chunk (and not emitted yet) so its end matches the final decode. */
  int chunk_lookahead = 8;
  /** Decode the whole take at the end. */
  bool decode = true;
};

struct GenerateResult {
  Guidance mode = Guidance::Single;
  int prefix_length = 0, rows = 0, lm_calls = 0, frames = 0;
  /** codes[v][k * frames + t] */
  std::vector<std::vector<int32_t>> codes;
  /** audio[v]: mono at the codec rate (empty when decode is false). */
  std::vector<std::vector<float>> audio;
  double style_ms = 0, text_ms = 0, prefill_ms = 0, steps_ms = 0, decode_ms = 0, stream_decode_ms = 0;
  std::vector<float> step_ms;
};

/** Receives progress and streamed audio from the generating thread; also asked whether to stop. */
struct GenerateSink {
  virtual ~GenerateSink() = default;
  virtual void progress(int step, int total) = 0;
  /** Audio of frames [first_frame, first_frame + samples/hop) of every variation (samples[v]). */
  virtual void chunk(int first_frame, std::vector<std::vector<float>>&& samples) = 0;
  virtual bool cancelled() = 0;
};

class Model {
 public:
  static std::shared_ptr<Model> open(const ModelConfig& config);
  ~Model();
  GenerateResult generate(const GenerateRequest& req, GenerateSink& sink);
  /** Runs only the LM on synthetic codes: a prefill of `prefix` positions, then `steps` timed step calls (benchmarks). */
  std::vector<float> bench_steps(int batch, int prefix, int steps);
  const std::string& provider() const { return provider_; }
  const std::string& provider_note() const { return provider_note_; }
  const ModelConfig& config() const { return config_; }

 private:
  Model() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ModelConfig config_;
  std::string provider_, provider_note_;
};

}  // namespace sb
