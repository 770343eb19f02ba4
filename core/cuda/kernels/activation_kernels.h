// core/cuda/kernels/activation_kernels.h — stand-alone ReLU and GELU (core/ops/activation.h)
// on the GPU, forward and backward, with the same scalar formulas as the fused
// linear path (device_math.cuh). Launchers take device pointers and use the compute stream.
#pragma once

#include <cstdint>

#include "core/cuda/kernels/linear_kernels.h"

namespace gaplab::cuda {

// y[i] = act(x[i]) for kRelu / kGelu (kNone copies).
void launchActivationForward(const float* x, float* y, int64_t n, DeviceActivation activation);
// kRelu: dx[i] (= or +=) ref[i] > 0 ? dy[i] : 0, ref = the output y;
// kGelu: dx[i] (= or +=) dy[i] * gelu'(ref[i]), ref = the input x.
void launchActivationBackward(const float* dy, const float* ref, float* dx, int64_t n, DeviceActivation activation,
                              bool accumulate);

}  // namespace gaplab::cuda
