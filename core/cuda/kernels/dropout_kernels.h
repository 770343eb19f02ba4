// core/cuda/kernels/dropout_kernels.h — applying a dropout keep-mask on the GPU
// (core/ops/dropout.h), forward and backward alike. The mask itself is drawn on
// the host (see core/cuda/ops/dropout_cuda.h). Launchers take device pointers
// and use the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// y[i] (= or +=) x[i] * (keep[i] ? keepScale : 0)
void launchDropoutApply(const float* x, const uint8_t* keep, float keepScale, float* y, int64_t n, bool accumulate);

}  // namespace gaplab::cuda
