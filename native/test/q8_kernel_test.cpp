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
  std::vector<int32_t> read_back(static_cast<size_t>(n), -1);
  packed_colsums(packed.data(), k, n, read_back.data());
  CHECK(read_back == colsum, "packed_colsums k=%lld n=%lld differs from the unpacked column sums", (long long)k, (long long)n);
  std::vector<float> x(static_cast<size_t>(m * k));
  for (auto& v : x) v = xd(rng);
  std::vector<int8_t> q(x.size());
  std::vector<float> s(static_cast<size_t>(m));
  std::vector<uint8_t> u(q.size());
  quantize_rows(Isa::Scalar, x.data(), m, k, q.data(), u.data(), s.data());
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

/** The documented quantization, written out here independently of the library. */
static void reference_quantize(const float* row, int64_t k, int8_t* q, float* s) {
  float amax = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < k; ++i) {
    if (!std::isfinite(row[i])) finite = false;
    else if (std::fabs(row[i]) > amax) amax = std::fabs(row[i]);
  }
  const float inv = 127.0f / amax;
  if (!finite || !std::isfinite(inv)) {
    for (int64_t i = 0; i < k; ++i) q[i] = 0;
    *s = finite ? 0.0f : NAN;
    return;
  }
  for (int64_t i = 0; i < k; ++i) {
    float v = std::nearbyint(row[i] * inv);
    v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
    q[i] = static_cast<int8_t>(v);
  }
  *s = amax / 127.0f;
}

static void check_quantize() {
  // Rows of 37 values (two vectors of 16 and a tail of 5, or four of 8 and 5), with the special cases placed both in
  // the vector part and in the tail; every kernel must give the reference's bytes.
  const int64_t k = 37;
  std::vector<std::vector<float>> rows;
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  auto base = [&] {
    std::vector<float> r(k);
    for (auto& v : r) v = nd(rng);
    return r;
  };
  {
    // Half-way cases round to even: with max 127, x * (127/127) = x exactly.
    std::vector<float> r = base();
    const float halves[] = {2.5f, -2.5f, 3.5f, 0.5f, -0.5f, 126.5f, 1.5f};
    for (int i = 0; i < 7; ++i) { r[3 + i] = halves[i]; r[30 + (i % 7)] = halves[i]; }
    r[20] = 127.0f;
    r[21] = -127.0f;
    rows.push_back(r);
  }
  for (int i = 0; i < 4; ++i) rows.push_back(base());
  rows.push_back(std::vector<float>(k, 0.0f));
  {
    std::vector<float> r(k, 0.0f);
    r[5] = 1e-40f;
    r[33] = -1e-41f;
    rows.push_back(r);
  }
  for (int64_t at : {int64_t(7), int64_t(34)}) {
    std::vector<float> r = base();
    r[at] = NAN;
    rows.push_back(r);
    r = base();
    r[at] = -INFINITY;
    rows.push_back(r);
  }
  const int64_t m = static_cast<int64_t>(rows.size());
  std::vector<float> x;
  for (auto& r : rows) x.insert(x.end(), r.begin(), r.end());
  std::vector<int8_t> want(x.size());
  std::vector<float> want_s(static_cast<size_t>(m));
  for (int64_t r = 0; r < m; ++r) reference_quantize(x.data() + r * k, k, want.data() + r * k, &want_s[r]);
  CHECK(want[3] == 2 && want[4] == -2 && want[5] == 4 && want[6] == 0 && want[7] == 0 && want[8] == 126 && want[9] == 2,
        "reference rounds half to even");
  CHECK(want_s[0] == 1.0f, "scale of a row with max 127");
  CHECK(want_s[5] == 0.0f && want_s[6] == 0.0f && std::isnan(want_s[7]) && std::isnan(want_s[8]), "special rows");
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512Vnni}) {
    if (!isa_available(isa)) continue;
    std::vector<int8_t> q(x.size(), 99);
    std::vector<uint8_t> u(x.size(), 0);
    std::vector<float> s(static_cast<size_t>(m), -1.0f);
    quantize_rows(isa, x.data(), m, k, q.data(), u.data(), s.data());
    CHECK(std::memcmp(q.data(), want.data(), q.size()) == 0, "%s: quantized bytes differ from the reference", isa_name(isa));
    bool u_ok = true;
    for (size_t i = 0; i < q.size(); ++i) u_ok = u_ok && u[i] == (static_cast<uint8_t>(q[i]) ^ 0x80u);
    CHECK(u_ok, "%s: u is not q XOR 0x80", isa_name(isa));
    for (int64_t r = 0; r < m; ++r) {
      CHECK((std::isnan(s[r]) && std::isnan(want_s[r])) || s[r] == want_s[r], "%s: row %lld scale %g, want %g",
            isa_name(isa), (long long)r, (double)s[r], (double)want_s[r]);
    }
    // Without u, the same q.
    std::vector<int8_t> q2(x.size(), 99);
    quantize_rows(isa, x.data(), m, k, q2.data(), nullptr, s.data());
    CHECK(q2 == q, "%s: q depends on whether u is asked for", isa_name(isa));
  }
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
