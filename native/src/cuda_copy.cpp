// dlopen-based CUDA runtime calls for the device-resident KV cache (see cuda_copy.h).
#include "cuda_copy.h"

#include <stdexcept>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace sb {

namespace {
constexpr int kCudaMemcpyDeviceToDevice = 3;

void* open_cudart() {
#if defined(_WIN32)
  const char* names[] = {"cudart64_12.dll", "cudart64_13.dll", "cudart64_110.dll"};
  for (const char* n : names) {
    if (HMODULE h = GetModuleHandleA(n)) return reinterpret_cast<void*>(h);
    if (HMODULE h = LoadLibraryA(n)) return reinterpret_cast<void*>(h);
  }
  return nullptr;
#else
  const char* names[] = {"libcudart.so.12", "libcudart.so.13", "libcudart.so.11.0", "libcudart.so"};
  for (const char* n : names) {
    if (void* h = dlopen(n, RTLD_NOW | RTLD_NOLOAD)) return h;  // the copy the CUDA provider already uses
  }
  for (const char* n : names) {
    if (void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL)) return h;
  }
  return nullptr;
#endif
}

void* symbol(void* lib, const char* name) {
#if defined(_WIN32)
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(lib), name));
#else
  return dlsym(lib, name);
#endif
}
}  // namespace

bool CudaCopy::load(std::string* why) {
  void* lib = open_cudart();
  if (!lib) {
    if (why) *why = "the CUDA runtime library (libcudart) was not found";
    return false;
  }
  set_device_ = reinterpret_cast<SetDeviceFn>(symbol(lib, "cudaSetDevice"));
  memcpy2d_ = reinterpret_cast<Memcpy2DFn>(symbol(lib, "cudaMemcpy2D"));
  memset_ = reinterpret_cast<MemsetFn>(symbol(lib, "cudaMemset"));
  error_string_ = reinterpret_cast<ErrorStringFn>(symbol(lib, "cudaGetErrorString"));
  sync_ = reinterpret_cast<SyncFn>(symbol(lib, "cudaDeviceSynchronize"));
  if (!set_device_ || !memcpy2d_ || !memset_ || !sync_) {
    memcpy2d_ = nullptr;
    if (why) *why = "the CUDA runtime library lacks cudaMemcpy2D/cudaMemset/cudaDeviceSynchronize";
    return false;
  }
  return true;
}

void CudaCopy::check(int rc, const char* what) const {
  if (rc == 0) return;
  std::string msg = std::string(what) + " failed: CUDA error " + std::to_string(rc);
  if (error_string_) msg += std::string(" (") + error_string_(rc) + ")";
  throw std::runtime_error(msg);
}

void CudaCopy::copy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t rows, int device) const {
  check(set_device_(device), "cudaSetDevice");
  check(memcpy2d_(dst, dpitch, src, spitch, width, rows, kCudaMemcpyDeviceToDevice), "cudaMemcpy2D");
}

void CudaCopy::zero(void* dst, size_t bytes, int device) const {
  check(set_device_(device), "cudaSetDevice");
  check(memset_(dst, 0, bytes), "cudaMemset");
}

void CudaCopy::sync(int device) const {
  check(set_device_(device), "cudaSetDevice");
  check(sync_(), "cudaDeviceSynchronize");
}

}  // namespace sb
