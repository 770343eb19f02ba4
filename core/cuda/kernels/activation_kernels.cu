// core/cuda/kernels/activation_kernels.cu — grid-stride elementwise kernels; see the header.
#include "core/cuda/kernels/activation_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

template <DeviceActivation kAct>
__global__ void activationForwardKernel(const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float v = x[i];
    if (kAct == DeviceActivation::kRelu) y[i] = v > 0.0f ? v : 0.0f;
    if (kAct == DeviceActivation::kGelu) y[i] = deviceGelu(v);
    if (kAct == DeviceActivation::kNone) y[i] = v;
  }
}

template <DeviceActivation kAct>
__global__ void activationBackwardKernel(const float* __restrict__ dy, const float* __restrict__ ref, float* dx,
                                         int64_t n, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    float g = dy[i];
    if (kAct == DeviceActivation::kRelu) g = ref[i] > 0.0f ? g : 0.0f;
    if (kAct == DeviceActivation::kGelu) g *= deviceGeluGrad(ref[i]);
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

}  // namespace

void launchActivationForward(const float* x, float* y, int64_t n, DeviceActivation activation) {
  if (n == 0) return;
  const int grid = gridFor(n, kThreads);
  switch (activation) {
    case DeviceActivation::kNone:
      activationForwardKernel<DeviceActivation::kNone><<<grid, kThreads, 0, computeStream()>>>(x, y, n);
      break;
    case DeviceActivation::kRelu:
      activationForwardKernel<DeviceActivation::kRelu><<<grid, kThreads, 0, computeStream()>>>(x, y, n);
      break;
    case DeviceActivation::kGelu:
      activationForwardKernel<DeviceActivation::kGelu><<<grid, kThreads, 0, computeStream()>>>(x, y, n);
      break;
  }
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchActivationBackward(const float* dy, const float* ref, float* dx, int64_t n, DeviceActivation activation,
                              bool accumulate) {
  if (n == 0) return;
  const int grid = gridFor(n, kThreads);
  switch (activation) {
    case DeviceActivation::kNone:
      activationBackwardKernel<DeviceActivation::kNone><<<grid, kThreads, 0, computeStream()>>>(dy, ref, dx, n,
                                                                                                accumulate);
      break;
    case DeviceActivation::kRelu:
      activationBackwardKernel<DeviceActivation::kRelu><<<grid, kThreads, 0, computeStream()>>>(dy, ref, dx, n,
                                                                                                accumulate);
      break;
    case DeviceActivation::kGelu:
      activationBackwardKernel<DeviceActivation::kGelu><<<grid, kThreads, 0, computeStream()>>>(dy, ref, dx, n,
                                                                                                accumulate);
      break;
  }
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
