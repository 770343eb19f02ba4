// core/ops/pass_gradient.h — hand an output gradient unchanged to an input
// (residual add, reshape): dx = dy on the first write, dx += dy afterwards.
// On a cuda input, dy is a device pointer and the copy or sum runs on the GPU.
#pragma once

#include "core/autograd/variable.h"
#include "core/device_memory.h"
#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/kernels/elementwise_kernels.h"
#endif

namespace gaplab::detail {

inline void passGradient(Variable& input, const float* dy) {
  GradWrite mode;
  Tensor dT = input.gradForWrite(&mode);
  float* d = dT.data();
#if GAPLAB_HAVE_CUDA
  if (dT.device() == Device::kCuda) {
    if (mode == GradWrite::kAssign)
      copyDeviceToDevice(d, dy, static_cast<std::size_t>(dT.numel()) * sizeof(float));
    else
      cuda::launchAccumulate(dy, d, dT.numel());
    return;
  }
#endif
  parallelChunks(dT.numel(), 1, [&](int64_t b, int64_t e) {
    if (mode == GradWrite::kAssign) {
      for (int64_t i = b; i < e; ++i) d[i] = dy[i];
    } else {
      for (int64_t i = b; i < e; ++i) d[i] += dy[i];
    }
  });
}

}  // namespace gaplab::detail
