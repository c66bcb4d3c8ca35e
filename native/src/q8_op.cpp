// com.stylebridge.Q8MatMul: Y = X W with W int8 packed for batch-2/3 steps; checked at load, run on ORT's threads.
#include "q8_op.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "q8_kernel.h"

namespace sb {

namespace {

// W's K may not exceed this: the int32 sum of K products of at most 255 * 127 (the unsigned form) must not overflow.
constexpr int64_t kMaxK = 32768;
// Weight bytes per parallel task: large enough that threads stream contiguous memory, small enough to balance.
constexpr int64_t kChunkBytes = 512 * 1024;

OrtStatusPtr status(OrtErrorCode code, const std::string& m) {
  return Ort::GetApi().CreateStatus(code, ("Q8MatMul: " + m).c_str());
}

std::string dims_text(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

/** Checks B [N/16, K/4, 64], scale [N] and colsum [N]; returns "" or the reason. Needs only shapes. */
std::string check_shapes(const std::vector<int64_t>& b, const std::vector<int64_t>& sc, const std::vector<int64_t>& cs) {
  if (b.size() != 3 || b[2] != q8::kPanel * q8::kGroup || b[0] < 1 || b[1] < 1) {
    return "packed weights must be [N/16, K/4, 64], got " + dims_text(b);
  }
  const int64_t n = b[0] * q8::kPanel, k = b[1] * q8::kGroup;
  if (k > kMaxK) return "K = " + std::to_string(k) + " exceeds " + std::to_string(kMaxK);
  if (sc.size() != 1 || sc[0] != n) return "scale must be [" + std::to_string(n) + "], got " + dims_text(sc);
  if (cs.size() != 1 || cs[0] != n) return "colsum must be [" + std::to_string(n) + "], got " + dims_text(cs);
  return "";
}

struct Q8Kernel {
  q8::Isa isa = q8::best_isa();

  OrtStatusPtr ComputeV2(OrtKernelContext* raw) {
    try {
      Ort::KernelContext ctx(raw);
      Ort::ConstValue a = ctx.GetInput(0), b = ctx.GetInput(1), sc = ctx.GetInput(2), cs = ctx.GetInput(3);
      const std::vector<int64_t> ad = a.GetTensorTypeAndShapeInfo().GetShape();
      const std::vector<int64_t> bd = b.GetTensorTypeAndShapeInfo().GetShape();
      const std::string bad = check_shapes(bd, sc.GetTensorTypeAndShapeInfo().GetShape(),
                                           cs.GetTensorTypeAndShapeInfo().GetShape());
      if (!bad.empty()) return status(ORT_INVALID_ARGUMENT, bad);
      const int64_t n = bd[0] * q8::kPanel, k = bd[1] * q8::kGroup;
      if (ad.empty() || ad.back() != k) {
        return status(ORT_INVALID_ARGUMENT, "X's last dimension must be K = " + std::to_string(k) + ", got " + dims_text(ad));
      }
      int64_t m = 1;
      for (size_t i = 0; i + 1 < ad.size(); ++i) m *= ad[i];
      std::vector<int64_t> yd = ad;
      yd.back() = n;
      Ort::UnownedValue y = ctx.GetOutput(0, yd.data(), yd.size());
      if (m == 0) return nullptr;
      // Contiguous runs of panels of about kChunkBytes of weights each, taken by the session's intra-op threads.
      // (One task per panel was twice as slow: the threads interleave 16-column panels and contend for the counter.)
      const int64_t panels = n / q8::kPanel;
      const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(panels, (k * n + kChunkBytes - 1) / kChunkBytes));
      struct Job {
        q8::Weights w;
        q8::Isa isa;
        std::vector<int8_t> q;
        std::vector<uint8_t> u;  // q XOR 0x80, for the Avx512Vnni kernel only
        std::vector<float> s;
        int64_t m;
        float* y;
        int64_t panels, chunks;
      } job{{k, n, b.GetTensorData<int8_t>(), sc.GetTensorData<float>(), cs.GetTensorData<int32_t>()},
            isa,
            std::vector<int8_t>(static_cast<size_t>(m * k)),
            std::vector<uint8_t>(isa == q8::Isa::Avx512Vnni ? static_cast<size_t>(m * k) : 0),
            std::vector<float>(static_cast<size_t>(m)),
            m,
            y.GetTensorMutableData<float>(),
            panels,
            chunks};
      q8::quantize_rows(isa, a.GetTensorData<float>(), m, k, job.q.data(), job.u.empty() ? nullptr : job.u.data(),
                        job.s.data());
      ctx.ParallelFor(
          [](void* p, size_t c) {
            const Job& j = *static_cast<const Job*>(p);
            const int64_t i = static_cast<int64_t>(c);
            q8::matmul_panels(j.isa, j.w, j.q.data(), j.u.empty() ? nullptr : j.u.data(), j.s.data(), j.m, j.y,
                              j.panels * i / j.chunks, j.panels * (i + 1) / j.chunks);
          },
          static_cast<size_t>(job.chunks), 0, &job);
      return nullptr;
    } catch (const Ort::Exception& e) {
      return status(e.GetOrtErrorCode(), e.what());
    } catch (const std::bad_alloc&) {
      return status(ORT_FAIL, "Failed to allocate the quantized activations (bad_alloc)");
    } catch (const std::exception& e) {
      return status(ORT_FAIL, e.what());
    }
  }
};

struct Q8Op : Ort::CustomOpBase<Q8Op, Q8Kernel, true> {
  OrtStatusPtr CreateKernelV2(const OrtApi&, const OrtKernelInfo* raw, void** kernel) const {
    try {
      // When the weights are initializers (as in every exported variant), check them once at load: shapes, and
      // colsum against the packed bytes, so a damaged file fails when the session opens, not mid-generation.
      Ort::ConstKernelInfo info(raw);
      int cb = 0, cscale = 0, ccol = 0;
      Ort::ConstValue b = info.GetTensorConstantInput(1, &cb);
      Ort::ConstValue sc = info.GetTensorConstantInput(2, &cscale);
      Ort::ConstValue cs = info.GetTensorConstantInput(3, &ccol);
      if (cb && cscale && ccol) {
        const std::vector<int64_t> bd = b.GetTensorTypeAndShapeInfo().GetShape();
        const std::string bad = check_shapes(bd, sc.GetTensorTypeAndShapeInfo().GetShape(),
                                             cs.GetTensorTypeAndShapeInfo().GetShape());
        if (!bad.empty()) return status(ORT_INVALID_GRAPH, info.GetNodeName() + ": " + bad);
        const int64_t n = bd[0] * q8::kPanel, k = bd[1] * q8::kGroup;
        std::vector<int32_t> sum(static_cast<size_t>(n));
        q8::packed_colsums(b.GetTensorData<int8_t>(), k, n, sum.data());
        if (std::memcmp(sum.data(), cs.GetTensorData<int32_t>(), sum.size() * sizeof(int32_t)) != 0) {
          return status(ORT_INVALID_GRAPH, info.GetNodeName() + ": colsum does not match the packed weights (damaged file?)");
        }
      }
      *kernel = new Q8Kernel();
      return nullptr;
    } catch (const std::exception& e) {
      return status(ORT_FAIL, e.what());
    }
  }
  const char* GetName() const { return "Q8MatMul"; }
  size_t GetInputTypeCount() const { return 4; }
  ONNXTensorElementDataType GetInputType(size_t i) const {
    switch (i) {
      case 1: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
      case 3: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
      default: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    }
  }
  size_t GetOutputTypeCount() const { return 1; }
  ONNXTensorElementDataType GetOutputType(size_t) const { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; }
};

}  // namespace

void add_stylebridge_ops(Ort::SessionOptions& so) {
  static Q8Op q8_op;
  static Ort::CustomOpDomain domain = [] {
    Ort::CustomOpDomain d(kStylebridgeDomain);
    d.Add(&q8_op);
    return d;
  }();
  so.Add(domain);
}

const char* q8_kernel_name() { return q8::isa_name(q8::best_isa()); }

}  // namespace sb
