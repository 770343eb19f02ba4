// core/cuda/kernels/elementwise_kernels.h — launchers of the simple elementwise
// kernels (fill, add, scale) shared by tensors and ops. Plain pointers, no CUDA
// types: the callers are ordinary C++ files. Every launcher enqueues on the
// compute stream (core/cuda/stream.h) and checks the launch.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// dst[i] = value
void launchFill(float* dst, int64_t n, float value);
// y[i] = a[i] + b[i]   (y may alias a or b)
void launchAdd(const float* a, const float* b, float* y, int64_t n);
// y[i] += x[i]
void launchAccumulate(const float* x, float* y, int64_t n);
// y[i] = alpha * x[i]  (y may alias x)
void launchScale(const float* x, float alpha, float* y, int64_t n);

// Grid size for a grid-stride loop over n elements with `threads` per block.
int gridFor(int64_t n, int threads);

}  // namespace gaplab::cuda
