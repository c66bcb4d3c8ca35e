// The int8 matrix product behind com.stylebridge.Q8MatMul (docs/model-package.md 3.7): packed layout, row quantization, kernels.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sb::q8 {

/** Columns per panel and rows of K per group in the packed weight layout. */
constexpr int64_t kPanel = 16;
constexpr int64_t kGroup = 4;

/**
 * Weights of Y = X W for W [K, N] int8, packed as [N/16][K/4][16][4]: panel p holds columns 16p..16p+15, and within
 * it each group of four K rows is 64 bytes, column-major by 4 (byte 4c + j is W[4g + j, 16p + c]).
 * scale[n] is the float scale of column n; colsum[n] = sum over k of W[k, n].
 */
struct Weights {
  int64_t k = 0, n = 0;
  const int8_t* packed = nullptr;
  const float* scale = nullptr;
  const int32_t* colsum = nullptr;
};

/** colsum[n] = sum over k of W[k, n], read from the packed layout (k, n: W's shape; colsum holds n values). */
void packed_colsums(const int8_t* packed, int64_t k, int64_t n, int32_t* colsum);

enum class Isa { Scalar, Avx2, Avx512Vnni };

/** The fastest kernel this CPU runs (checked once). */
Isa best_isa();
const char* isa_name(Isa isa);
/** Whether this CPU and build can run `isa`. */
bool isa_available(Isa isa);

/**
 * Quantizes M rows of K floats symmetrically: s = max|x| / 127, q = round-half-even(x * (127 / max|x|)) in
 * [-127, 127]. A row whose 127 / max|x| is not finite (all zero, or subnormal) gives s = 0 and q = 0; a row holding
 * NaN or infinity gives s = NaN and q = 0 (its outputs are NaN). Writes q [M, K], s [M] and, when u is not null,
 * u = q XOR 0x80 [M, K] (the unsigned form the Avx512Vnni kernel multiplies). Every isa gives the same bytes.
 */
void quantize_rows(Isa isa, const float* x, int64_t m, int64_t k, int8_t* q, uint8_t* u, float* s);

/**
 * Y[r, n] = float(sum_k q[r, k] W[k, n]) * (scale[n] * s[r]) for panels [p0, p1) and all M rows (the sum is exact
 * in int32, so every kernel gives the same bits). `u` is q with each byte XOR 0x80 (unsigned), needed by Avx512Vnni
 * only; may be null otherwise. Y is row-major [M, N].
 */
void matmul_panels(Isa isa, const Weights& w, const int8_t* q, const uint8_t* u, const float* s, int64_t m, float* y,
                   int64_t p0, int64_t p1);

}  // namespace sb::q8
