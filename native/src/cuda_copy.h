// Device memory helpers for the CUDA path, through the CUDA runtime that the CUDA execution provider loads (dlopen, no CUDA headers).
#pragma once
#include <cstddef>
#include <string>

namespace sb {

class CudaCopy {
 public:
  /** Binds the CUDA runtime library (already in the process once ORT's CUDA provider has loaded). */
  bool load(std::string* why);
  bool loaded() const { return memcpy2d_ != nullptr; }
  /** Device-to-device 2D copy: `rows` rows of `width` bytes, with the given pitches. Throws on error. */
  void copy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t rows, int device) const;
  /** Sets `bytes` bytes of device memory to zero. Throws on error. */
  void zero(void* dst, size_t bytes, int device) const;
  /** Waits for the copies above (device-to-device copies and memsets do not block the host). */
  void sync(int device) const;

 private:
  using SetDeviceFn = int (*)(int);
  using Memcpy2DFn = int (*)(void*, size_t, const void*, size_t, size_t, size_t, int);
  using MemsetFn = int (*)(void*, int, size_t);
  using ErrorStringFn = const char* (*)(int);
  using SyncFn = int (*)();
  SyncFn sync_ = nullptr;
  SetDeviceFn set_device_ = nullptr;
  Memcpy2DFn memcpy2d_ = nullptr;
  MemsetFn memset_ = nullptr;
  ErrorStringFn error_string_ = nullptr;
  void check(int rc, const char* what) const;
};

}  // namespace sb
