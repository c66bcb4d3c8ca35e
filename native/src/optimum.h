// A text-only MusicGen in the Optimum layout (Transformers.js files): the library's greedy/CFG loop over the merged decoder.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "generator.h"

namespace sb {

struct OptimumConfig {
  /** Absolute paths of onnx/text_encoder.onnx, onnx/decoder_model_merged.onnx and onnx/encodec_decode.onnx. */
  std::string text_encoder, decoder, codec_decode;
  /** From config.json's decoder block: num_hidden_layers, num_attention_heads, hidden_size, num_codebooks, vocab_size, pad_token_id. */
  int layers = 0, heads = 0, hidden = 0, codebooks = 0, card = 0, pad_token = 0;
  /** decoder.max_position_embeddings: the most decoder positions (start token + new tokens). */
  int max_positions = 0;
  RuntimeOptions runtime;
};

struct OptimumRequest {
  /** The prompt's token ids (end-of-sequence included), encoded once with batch 1. */
  std::vector<int64_t> token_ids;
  /** Decoder steps (Transformers.js max_new_tokens); frames = max_new_tokens + 1 - codebooks. */
  int max_new_tokens = 0;
  /** > 1: classifier-free guidance over a conditional and an unconditional row (the library's rule); else none. */
  double guidance_scale = 0;
  PickOptions pick;
  uint64_t seed = 0;
  int variations = 1;
  int first_variation = 0;
  bool decode = true;
};

class OptimumModel {
 public:
  /** Opens the three graphs (CUDA then CPU, as generator.cpp chooses) and checks their tensors against the config. */
  static std::shared_ptr<OptimumModel> open(const OptimumConfig& config);
  ~OptimumModel();
  /**
   * Generates like Transformers.js's MusicgenForConditionalGeneration.generate: start token = pad for every
   * batch x codebook row, input ids of codebook k masked to pad while k >= position, the growing past fed
   * back as the next step's input, the output filtered by the delay pattern. Result fields: mode (none or
   * single), prefix_length = prompt tokens, rows = guidance rows per variation, codes[v][k * frames + t].
   */
  GenerateResult generate(const OptimumRequest& req, GenerateSink& sink);
  const std::string& provider() const { return provider_; }
  const std::string& provider_note() const { return provider_note_; }

 private:
  OptimumModel() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  OptimumConfig config_;
  std::string provider_, provider_note_;
};

}  // namespace sb
