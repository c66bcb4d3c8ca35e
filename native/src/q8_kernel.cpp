// Kernels for com.stylebridge.Q8MatMul: AVX-512 VNNI, AVX2 and portable C++, all exact in int32 and so bit-identical.
#include "q8_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define SB_Q8_X86 1
#include <immintrin.h>
#endif

namespace sb::q8 {

namespace {

inline int32_t group_of(const int8_t* row, int64_t g) {
  int32_t v;
  std::memcpy(&v, row + g * kGroup, sizeof v);
  return v;
}

/** Rows are handled in blocks of up to kRows so that each weight load serves them all. */
constexpr int kRows = 4;

void scalar_panel(const Weights& w, const int8_t* q, const float* s, int64_t m, float* y, int64_t p) {
  const int8_t* wp = w.packed + p * w.k * kPanel;
  const int64_t groups = w.k / kGroup;
  for (int64_t r = 0; r < m; ++r) {
    const int8_t* x = q + r * w.k;
    int32_t acc[kPanel] = {};
    for (int64_t g = 0; g < groups; ++g) {
      const int8_t* b = wp + g * kPanel * kGroup;
      for (int c = 0; c < kPanel; ++c) {
        for (int j = 0; j < kGroup; ++j) acc[c] += int32_t(x[g * kGroup + j]) * int32_t(b[c * kGroup + j]);
      }
    }
    for (int c = 0; c < kPanel; ++c) {
      const int64_t n = p * kPanel + c;
      y[r * w.n + n] = float(acc[c]) * (w.scale[n] * s[r]);
    }
  }
}

#ifdef SB_Q8_X86

template <int R>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void vnni_block(const Weights& w, const uint8_t* u,
                                                                          const float* s, float* y, int64_t p,
                                                                          int64_t r0) {
  const int8_t* wp = w.packed + p * w.k * kPanel;
  const int64_t groups = w.k / kGroup;
  __m512i acc[R], alt[R];
  for (int r = 0; r < R; ++r) acc[r] = alt[r] = _mm512_setzero_si512();
  const int8_t* rows[R];
  for (int r = 0; r < R; ++r) rows[r] = reinterpret_cast<const int8_t*>(u + (r0 + r) * w.k);
  int64_t g = 0;
  for (; g + 2 <= groups; g += 2) {
    const __m512i b0 = _mm512_loadu_si512(wp + g * 64);
    const __m512i b1 = _mm512_loadu_si512(wp + (g + 1) * 64);
    for (int r = 0; r < R; ++r) {
      acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_set1_epi32(group_of(rows[r], g)), b0);
      alt[r] = _mm512_dpbusd_epi32(alt[r], _mm512_set1_epi32(group_of(rows[r], g + 1)), b1);
    }
  }
  if (g < groups) {
    const __m512i b0 = _mm512_loadu_si512(wp + g * 64);
    for (int r = 0; r < R; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_set1_epi32(group_of(rows[r], g)), b0);
  }
  // u = q + 128, so sum u W = sum q W + 128 colsum.
  const __m512i bias = _mm512_slli_epi32(_mm512_loadu_si512(w.colsum + p * kPanel), 7);
  const __m512 scale = _mm512_loadu_ps(w.scale + p * kPanel);
  for (int r = 0; r < R; ++r) {
    const __m512i sum = _mm512_sub_epi32(_mm512_add_epi32(acc[r], alt[r]), bias);
    const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(scale, _mm512_set1_ps(s[r0 + r])));
    _mm512_storeu_ps(y + (r0 + r) * w.n + p * kPanel, v);
  }
}

template <int R>
__attribute__((target("avx2"))) void avx2_block(const Weights& w, const int8_t* q, const float* s, float* y, int64_t p,
                                                int64_t r0) {
  const int8_t* wp = w.packed + p * w.k * kPanel;
  const int64_t groups = w.k / kGroup;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i lo[R], hi[R];
  for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
  const int8_t* rows[R];
  for (int r = 0; r < R; ++r) rows[r] = q + (r0 + r) * w.k;
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + g * 64));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + g * 64 + 32));
    for (int r = 0; r < R; ++r) {
      // |x| (unsigned) times W with x's sign: each pair of products is at most 2 * 127 * 127, so no saturation.
      const __m256i x = _mm256_set1_epi32(group_of(rows[r], g));
      const __m256i ax = _mm256_abs_epi8(x);
      lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(b0, x)), ones));
      hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(b1, x)), ones));
    }
  }
  const __m256 s0 = _mm256_loadu_ps(w.scale + p * kPanel);
  const __m256 s1 = _mm256_loadu_ps(w.scale + p * kPanel + 8);
  for (int r = 0; r < R; ++r) {
    const __m256 sr = _mm256_set1_ps(s[r0 + r]);
    float* out = y + (r0 + r) * w.n + p * kPanel;
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_cvtepi32_ps(lo[r]), _mm256_mul_ps(s0, sr)));
    _mm256_storeu_ps(out + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(hi[r]), _mm256_mul_ps(s1, sr)));
  }
}

template <typename F>
void by_row_blocks(int64_t m, F&& f) {
  int64_t r = 0;
  for (; r + kRows <= m; r += kRows) f(std::integral_constant<int, kRows>{}, r);
  switch (m - r) {
    case 3: f(std::integral_constant<int, 3>{}, r); break;
    case 2: f(std::integral_constant<int, 2>{}, r); break;
    case 1: f(std::integral_constant<int, 1>{}, r); break;
    default: break;
  }
}

#endif

}  // namespace

void packed_colsums(const int8_t* packed, int64_t k, int64_t n, int32_t* colsum) {
  const int64_t groups = k / kGroup;
  for (int64_t p = 0; p < n / kPanel; ++p) {
    int32_t* out = colsum + p * kPanel;
    for (int64_t c = 0; c < kPanel; ++c) out[c] = 0;
    const int8_t* wp = packed + p * k * kPanel;
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t c = 0; c < kPanel; ++c)
        for (int64_t j = 0; j < kGroup; ++j) out[c] += wp[(g * kPanel + c) * kGroup + j];
  }
}

bool isa_available(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
#ifdef SB_Q8_X86
    case Isa::Avx2: return __builtin_cpu_supports("avx2");
    case Isa::Avx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
#else
    default: return false;
#endif
  }
  return false;
}

Isa best_isa() {
  static const Isa best = isa_available(Isa::Avx512Vnni) ? Isa::Avx512Vnni
                          : isa_available(Isa::Avx2)     ? Isa::Avx2
                                                         : Isa::Scalar;
  return best;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512Vnni: return "avx512-vnni";
    case Isa::Avx2: return "avx2";
    default: return "scalar";
  }
}

namespace {

/** The scalar quantization of one row from index `from` on (the vector kernels finish their tails with it). */
void quantize_tail(const float* row, int64_t from, int64_t k, float inv, int8_t* q, uint8_t* u) {
  for (int64_t i = from; i < k; ++i) {
    const float v = std::nearbyint(row[i] * inv);
    q[i] = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, v)));
    if (u) u[i] = static_cast<uint8_t>(q[i]) ^ 0x80u;
  }
}

/** max |x| of a row, and whether every value is finite. */
void row_range(const float* row, int64_t k, float& amax, bool& finite) {
  amax = 0.0f;
  finite = true;
  for (int64_t i = 0; i < k; ++i) {
    finite = finite && std::isfinite(row[i]);
    amax = std::max(amax, std::fabs(row[i]));
  }
}

#ifdef SB_Q8_X86
__attribute__((target("avx512f,avx512bw"))) void row_range_avx512(const float* row, int64_t k, float& amax,
                                                                   bool& finite) {
  __m512 mx = _mm512_setzero_ps(), inf_check = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m512 v = _mm512_loadu_ps(row + i);
    mx = _mm512_max_ps(mx, _mm512_abs_ps(v));
    inf_check = _mm512_add_ps(inf_check, _mm512_mul_ps(v, _mm512_setzero_ps()));  // NaN once any value is not finite
  }
  float tail_max;
  bool tail_finite;
  row_range(row + i, k - i, tail_max, tail_finite);
  const float check = _mm512_reduce_add_ps(inf_check);
  finite = tail_finite && check == 0.0f;
  amax = std::max(_mm512_reduce_max_ps(mx), tail_max);
}

__attribute__((target("avx512f,avx512bw"))) void quantize_avx512(const float* row, int64_t k, float inv, int8_t* q,
                                                                  uint8_t* u) {
  const __m512 scale = _mm512_set1_ps(inv);
  const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    // cvtps rounds to nearest even (the default MXCSR mode), as nearbyint does.
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(row + i), scale));
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    const __m128i b = _mm512_cvtepi32_epi8(v);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), b);
    if (u) _mm_storeu_si128(reinterpret_cast<__m128i*>(u + i), _mm_xor_si128(b, flip));
  }
  quantize_tail(row, i, k, inv, q, u);
}

__attribute__((target("avx2"))) void quantize_avx2(const float* row, int64_t k, float inv, int8_t* q, uint8_t* u) {
  const __m256 scale = _mm256_set1_ps(inv);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + i), scale));
    v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i b = _mm_packs_epi16(w16, w16);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), b);
    if (u) _mm_storel_epi64(reinterpret_cast<__m128i*>(u + i), _mm_xor_si128(b, flip));
  }
  quantize_tail(row, i, k, inv, q, u);
}
#endif

}  // namespace

void quantize_rows(Isa isa, const float* x, int64_t m, int64_t k, int8_t* q, uint8_t* u, float* s) {
  for (int64_t r = 0; r < m; ++r) {
    const float* row = x + r * k;
    float amax;
    bool finite;
#ifdef SB_Q8_X86
    if (isa == Isa::Avx512Vnni) row_range_avx512(row, k, amax, finite);
    else
#endif
      row_range(row, k, amax, finite);
    int8_t* out = q + r * k;
    uint8_t* uout = u ? u + r * k : nullptr;
    if (!finite || !std::isfinite(127.0f / amax)) {
      // A zero (or subnormal) row multiplies to zero; a row holding NaN or infinity gives NaN, as a float product would.
      std::memset(out, 0, static_cast<size_t>(k));
      if (uout) std::memset(uout, 0x80, static_cast<size_t>(k));
      s[r] = finite ? 0.0f : std::nanf("");
      continue;
    }
    const float inv = 127.0f / amax;
#ifdef SB_Q8_X86
    if (isa == Isa::Avx512Vnni) quantize_avx512(row, k, inv, out, uout);
    else if (isa == Isa::Avx2) quantize_avx2(row, k, inv, out, uout);
    else
#endif
      quantize_tail(row, 0, k, inv, out, uout);
    s[r] = amax / 127.0f;
  }
}

void matmul_panels(Isa isa, const Weights& w, const int8_t* q, const uint8_t* u, const float* s, int64_t m, float* y,
                   int64_t p0, int64_t p1) {
#ifdef SB_Q8_X86
  if (isa == Isa::Avx512Vnni) {
    for (int64_t p = p0; p < p1; ++p) {
      by_row_blocks(m, [&](auto R, int64_t r0) { vnni_block<decltype(R)::value>(w, u, s, y, p, r0); });
    }
    return;
  }
  if (isa == Isa::Avx2) {
    for (int64_t p = p0; p < p1; ++p) {
      by_row_blocks(m, [&](auto R, int64_t r0) { avx2_block<decltype(R)::value>(w, q, s, y, p, r0); });
    }
    return;
  }
#else
  (void)u;
#endif
  (void)isa;
  for (int64_t p = p0; p < p1; ++p) scalar_panel(w, q, s, m, y, p);
}

}  // namespace sb::q8
