// core/cuda/kernels/swiglu_kernels.h — launchers of the SwiGLU gate's forward
// and backward kernels. Plain pointers (device memory) and int64_t only; every
// launch goes on the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// x: [rows, 2h] = [a | b]  ->  y: [rows, h] = silu(a) * b
void launchSwigluForward(const float* x, float* y, int64_t rows, int64_t h);
// dy: [rows, h] -> dx: [rows, 2h] (= or += when accumulate):
// da = dy * b * s * (1 + a * (1 - s)), db = dy * a * s, s = sigmoid(a)
void launchSwigluBackward(const float* x, const float* dy, float* dx, int64_t rows, int64_t h, bool accumulate);

}  // namespace gaplab::cuda
