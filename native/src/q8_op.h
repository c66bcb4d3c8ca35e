// The com.stylebridge custom-op domain (Q8MatMul), registered on every session the addon opens.
#pragma once
#include <onnxruntime_cxx_api.h>

namespace sb {

/** The domain name of the addon's own operators (docs/model-package.md 3.7). */
constexpr const char* kStylebridgeDomain = "com.stylebridge";

/** Adds the com.stylebridge operators to `so`; the domain lives for the whole process. */
void add_stylebridge_ops(Ort::SessionOptions& so);

/** Which int8 kernel Q8MatMul uses on this CPU ("avx512-vnni", "avx2" or "scalar"). */
const char* q8_kernel_name();

}  // namespace sb
