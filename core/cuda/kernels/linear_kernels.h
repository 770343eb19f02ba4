// core/cuda/kernels/linear_kernels.h — the non-GEMM parts of the linear op on
// the GPU: bias + fused activation after the product, the activation's backward
// and the bias gradient. Launchers take device pointers and use the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

enum class DeviceActivation { kNone, kRelu, kGelu };

// y[r, j] = act(y[r, j] + bias[j]) for rows x cols (bias may be null); when
// `pre` is not null it receives the value before the activation.
void launchBiasActivation(float* y, const float* bias, float* pre, int64_t rows, int64_t cols,
                          DeviceActivation activation);
// kRelu: dy[i] = out[i] > 0 ? dy[i] : 0 (out = the activation's output);
// kGelu: dy[i] *= gelu'(out[i]) (out = the pre-activation).
void launchActivationBackwardInPlace(float* dy, const float* out, int64_t n, DeviceActivation activation);
// db[j] += sum_r dy[r, j]
void launchColumnSumAccumulate(const float* dy, float* db, int64_t rows, int64_t cols);

}  // namespace gaplab::cuda
