// The inner product of two vectors of one dimension with the widest SIMD the CPU has
// (hnswlib's kernels, chosen per dimension: AVX-512, AVX or SSE, with a tail for a
// dimension that is not a multiple of 16). Defined in vector_index.cpp, the one file that
// includes hnswlib, whose headers define functions.
#pragma once

#include <cstddef>

namespace tollgate::cache {

class DotProduct {
 public:
  // Finds the kernel for `dims` (made once per dimension, behind a mutex: make a
  // DotProduct once per index, not per comparison).
  explicit DotProduct(std::size_t dims);
  float operator()(const float* a, const float* b) const { return 1.0f - fn_(a, b, param_); }
  std::size_t dims() const { return dims_; }

 private:
  using Fn = float (*)(const void*, const void*, const void*);
  Fn fn_;
  const void* param_;
  std::size_t dims_;
};

}  // namespace tollgate::cache
