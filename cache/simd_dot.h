// The inner product of two kDims vectors with the widest SIMD the CPU has (hnswlib's
// kernels, chosen at startup: AVX-512, AVX or SSE). Defined in vector_index.cpp, the one
// file that includes hnswlib, whose headers define functions.
#pragma once

namespace tollgate::cache {

float simd_dot(const float* a, const float* b);

}  // namespace tollgate::cache
