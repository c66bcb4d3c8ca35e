// PCG32, guidance combination and token picking of docs/model-package.md sections 4.3, 4.5 and 4.7 (float64, no FMA).
#pragma once
#include <cstdint>
#include <vector>

namespace sb {

class Pcg32 {
 public:
  Pcg32(uint64_t initstate, uint64_t initseq);
  uint32_t next_u32();
  /** Uniform in [0, 1) from two draws (27 high bits first, then 26). */
  double uniform();

 private:
  uint64_t state_ = 0;
  uint64_t inc_ = 1;
};

/** initseq of every variation stream: the ASCII bytes of "stylebrg". */
constexpr uint64_t kVariationStream = 0x7374796c65627267ULL;

enum class Guidance { None = 0, Single = 1, Double = 2 };

inline int guidance_rows(Guidance g) { return g == Guidance::None ? 1 : g == Guidance::Single ? 2 : 3; }

/** Combines the rows of one codebook (row r at rows[r], card entries each) into float64 logits. */
void combine_guidance(const float* const* rows, Guidance mode, double a, double b, int card, double* out);

struct PickOptions {
  double temperature = 1.0;
  int top_k = 250;
  double top_p = 0.0;
  bool greedy = false;
};

/** Scratch space reused across picks (no allocation per token). */
struct PickScratch {
  std::vector<double> z;
  std::vector<double> w;
  std::vector<int> order;
};

/** Picks one token from combined logits `l` (length card); draws one uniform unless greedy. */
int pick_token(const double* l, int card, Pcg32& rng, const PickOptions& o, PickScratch& s);

}  // namespace sb
