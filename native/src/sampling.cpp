// PCG32, guidance and token picking exactly as docs/model-package.md specifies (compiled with -ffp-contract=off).
#include "sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sb {

Pcg32::Pcg32(uint64_t initstate, uint64_t initseq) {
  state_ = 0;
  inc_ = (initseq << 1u) | 1u;
  next_u32();
  state_ += initstate;
  next_u32();
}

uint32_t Pcg32::next_u32() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

double Pcg32::uniform() {
  const uint64_t a = next_u32() >> 5u;
  const uint64_t b = next_u32() >> 6u;
  return static_cast<double>(a * 67108864ULL + b) / 9007199254740992.0;
}

void combine_guidance(const float* const* rows, Guidance mode, double a, double b, int card, double* out) {
  const float* l0 = rows[0];
  if (mode == Guidance::None) {
    for (int j = 0; j < card; j++) out[j] = static_cast<double>(l0[j]);
    return;
  }
  const float* l1 = rows[1];
  if (mode == Guidance::Single) {
    for (int j = 0; j < card; j++) {
      const double x0 = l0[j], x1 = l1[j];
      const double d = x0 - x1;
      const double h = a * d;
      out[j] = x1 + h;
    }
    return;
  }
  const float* l2 = rows[2];
  for (int j = 0; j < card; j++) {
    const double x0 = l0[j], x1 = l1[j], x2 = l2[j];
    const double d = x0 - x1;
    const double e = b * d;
    const double f = x1 + e;
    const double g = f - x2;
    const double h = a * g;
    out[j] = x2 + h;
  }
}

int pick_token(const double* l, int card, Pcg32& rng, const PickOptions& o, PickScratch& s) {
  if (o.greedy || o.temperature == 0.0) {
    int best = 0;
    for (int j = 1; j < card; j++)
      if (l[j] > l[best]) best = j;
    return best;
  }
  s.z.resize(card);
  s.w.resize(card);
  s.order.resize(card);
  for (int j = 0; j < card; j++) s.z[j] = l[j] / o.temperature;
  std::iota(s.order.begin(), s.order.end(), 0);
  const double* z = s.z.data();
  // Ranks: z descending, ties by index ascending (a strict weak order, so partial and full sorts agree).
  auto before = [z](int x, int y) { return z[x] > z[y] || (z[x] == z[y] && x < y); };
  int sorted = card;
  if (o.top_p <= 0.0 && o.top_k > 0 && o.top_k < card) {
    sorted = o.top_k;
    std::partial_sort(s.order.begin(), s.order.begin() + sorted, s.order.end(), before);
  } else {
    std::sort(s.order.begin(), s.order.end(), before);
  }
  const double z0 = z[s.order[0]];
  for (int i = 0; i < sorted; i++) s.w[i] = std::exp(z[s.order[i]] - z0);
  int kept;
  if (o.top_p > 0.0) {
    double all = 0.0;
    for (int i = 0; i < card; i++) all += s.w[i];
    double c = 0.0;
    kept = 0;
    for (int i = 0; i < card; i++) {
      if (c > o.top_p) break;
      kept = i + 1;
      c += s.w[i] / all;
    }
  } else {
    kept = sorted;
  }
  double total = 0.0;
  for (int i = 0; i < kept; i++) total += s.w[i];
  const double x = rng.uniform() * total;
  double acc = 0.0;
  for (int i = 0; i < kept; i++) {
    acc += s.w[i];
    if (x < acc) return s.order[i];
  }
  return s.order[kept - 1];
}

}  // namespace sb
