// core/cuda/kernels/convert_kernels.h — fp32 <-> bf16 conversions for bf16
// autocast (core/compute_precision.h). bf16 buffers are passed as void* so that
// callers need no CUDA header; each element is 2 bytes (round to nearest even).
#pragma once

#include <cstdint>

namespace gaplab::cuda {

void launchFloatToBf16(const float* src, void* dst, int64_t n);
void launchBf16ToFloat(const void* src, float* dst, int64_t n);

}  // namespace gaplab::cuda
