// Checks every Q8MatMul kernel this CPU runs against a direct int32 product of the unpacked weights, bit for bit.
#include "../src/q8_kernel.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace sb::q8;

static int failures = 0;
#define CHECK(cond, ...)                 \
  do {                                   \
    if (!(cond)) {                       \
      std::printf("FAIL %s:%d ", __FILE__, __LINE__); \
      std::printf(__VA_ARGS__);          \
      std::printf("\n");                 \
      ++failures;                        \
    }                                    \
  } while (0)

// The layout of docs/model-package.md 3.7: [N/16][K/4][16][4].
static std::vector<int8_t> pack(const std::vector<int8_t>& w, int64_t k, int64_t n) {
  std::vector<int8_t> out(static_cast<size_t>(k * n));
  for (int64_t p = 0; p < n / kPanel; ++p)
    for (int64_t g = 0; g < k / kGroup; ++g)
      for (int64_t c = 0; c < kPanel; ++c)
        for (int64_t j = 0; j < kGroup; ++j)
          out[static_cast<size_t>(((p * (k / kGroup) + g) * kPanel + c) * kGroup + j)] =
              w[static_cast<size_t>((g * kGroup + j) * n + p * kPanel + c)];
  return out;
}

static void check_shape(std::mt19937& rng, int64_t m, int64_t k, int64_t n) {
  std::uniform_int_distribution<int> wd(-127, 127);
  std::normal_distribution<float> xd(0.0f, 1.5f);
  std::vector<int8_t> w(static_cast<size_t>(k * n));
  for (auto& v : w) v = static_cast<int8_t>(wd(rng));
  std::vector<float> scale(static_cast<size_t>(n));
  std::vector<int32_t> colsum(static_cast<size_t>(n), 0);
  for (int64_t c = 0; c < n; ++c) {
    scale[c] = 0.001f + 0.0001f * static_cast<float>(c % 13);
    for (int64_t i = 0; i < k; ++i) colsum[c] += w[i * n + c];
  }
  const std::vector<int8_t> packed = pack(w, k, n);
  std::vector<float> x(static_cast<size_t>(m * k));
  for (auto& v : x) v = xd(rng);
  std::vector<int8_t> q(x.size());
  std::vector<float> s(static_cast<size_t>(m));
  quantize_rows(x.data(), m, k, q.data(), s.data());
  std::vector<uint8_t> u(q.size());
  for (size_t i = 0; i < q.size(); ++i) u[i] = static_cast<uint8_t>(q[i]) ^ 0x80u;
  // Reference: the documented formula on the unpacked weights.
  std::vector<float> want(static_cast<size_t>(m * n));
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int32_t acc = 0;
      for (int64_t i = 0; i < k; ++i) acc += int32_t(q[r * k + i]) * int32_t(w[i * n + c]);
      want[r * n + c] = float(acc) * (scale[c] * s[r]);
    }
  const Weights wt{k, n, packed.data(), scale.data(), colsum.data()};
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512Vnni}) {
    if (!isa_available(isa)) {
      std::printf("skip %s: this CPU lacks it\n", isa_name(isa));
      continue;
    }
    std::vector<float> got(want.size(), -1.0f);
    // Two calls over halves of the panels, as threads would split them.
    const int64_t panels = n / kPanel;
    matmul_panels(isa, wt, q.data(), u.data(), s.data(), m, got.data(), 0, panels / 2);
    matmul_panels(isa, wt, q.data(), u.data(), s.data(), m, got.data(), panels / 2, panels);
    CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0, "%s m=%lld k=%lld n=%lld differs",
          isa_name(isa), (long long)m, (long long)k, (long long)n);
  }
}

static void check_quantize() {
  // Half-way cases round to even: with max 127, x * (127/127) = x.
  const float x[] = {127.0f, 2.5f, -2.5f, 3.5f, 0.49f, -127.0f, 1.5f, 0.0f};
  int8_t q[8];
  float s;
  quantize_rows(x, 1, 8, q, &s);
  const int8_t want[] = {127, 2, -2, 4, 0, -127, 2, 0};
  CHECK(std::memcmp(q, want, 8) == 0, "rounding: got %d %d %d %d %d %d %d %d", q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]);
  CHECK(s == 1.0f, "scale %g", (double)s);
  const float zero[4] = {0, 0, 0, 0};
  quantize_rows(zero, 1, 4, q, &s);
  CHECK(s == 0.0f && q[0] == 0 && q[3] == 0, "zero row");
  const float tiny[4] = {1e-40f, 0, 0, -1e-41f};
  quantize_rows(tiny, 1, 4, q, &s);
  CHECK(s == 0.0f && q[0] == 0, "subnormal row gives zero");
  const float bad[4] = {1.0f, NAN, 2.0f, 0.0f};
  quantize_rows(bad, 1, 4, q, &s);
  CHECK(std::isnan(s) && q[0] == 0 && q[2] == 0, "NaN row gives NaN scale");
  const float inf[4] = {1.0f, INFINITY, 2.0f, 0.0f};
  quantize_rows(inf, 1, 4, q, &s);
  CHECK(std::isnan(s), "infinite row gives NaN scale");
  // Rows are independent: each has its own scale.
  const float two[8] = {1, -0.5f, 0.25f, 0, 100, 50, -25, 0};
  float s2[2];
  int8_t q2[8];
  quantize_rows(two, 2, 4, q2, s2);
  CHECK(q2[0] == 127 && q2[4] == 127 && q2[1] == -64 && q2[5] == 64, "per-row scales");
  CHECK(s2[1] == 100.0f / 127.0f, "row 2 scale");
}

int main() {
  std::printf("best kernel on this CPU: %s\n", isa_name(best_isa()));
  CHECK(isa_available(best_isa()), "best isa available");
  check_quantize();
  std::mt19937 rng(7);
  const int64_t shapes[][2] = {{4, 16}, {8, 32}, {12, 16}, {64, 48}, {1024, 64}, {4096, 32}, {1028, 80}};
  for (const auto& sh : shapes)
    for (int64_t m = 1; m <= 9; ++m) check_shape(rng, m, sh[0], sh[1]);
  // Extreme values: every product at its largest magnitude, with the sign pattern that maximises the sum.
  {
    const int64_t k = 4096, n = 16;
    std::vector<int8_t> w(k * n, -127);
    std::vector<float> scale(n, 1.0f);
    std::vector<int32_t> colsum(n, int32_t(-127 * k));
    const std::vector<int8_t> packed = pack(w, k, n);
    std::vector<int8_t> q(k, -127);
    std::vector<uint8_t> u(k);
    for (int64_t i = 0; i < k; ++i) u[i] = static_cast<uint8_t>(q[i]) ^ 0x80u;
    float s = 1.0f;
    const Weights wt{k, n, packed.data(), scale.data(), colsum.data()};
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512Vnni}) {
      if (!isa_available(isa)) continue;
      std::vector<float> y(n);
      matmul_panels(isa, wt, q.data(), u.data(), &s, 1, y.data(), 0, 1);
      CHECK(y[0] == float(127 * 127 * k), "%s extreme sum %g", isa_name(isa), (double)y[0]);
    }
  }
  if (failures) {
    std::printf("%d failure(s)\n", failures);
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
