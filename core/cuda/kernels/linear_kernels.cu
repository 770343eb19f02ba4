// core/cuda/kernels/linear_kernels.cu — see linear_kernels.h.
#include "core/cuda/kernels/linear_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

template <DeviceActivation kAct>
__global__ void biasActivationKernel(float* y, const float* bias, float* pre, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    float v = y[i];
    if (bias) v += bias[i % cols];
    if (pre) pre[i] = v;
    if (kAct == DeviceActivation::kRelu) v = v > 0.0f ? v : 0.0f;
    if (kAct == DeviceActivation::kGelu) v = deviceGelu(v);
    y[i] = v;
  }
}

template <DeviceActivation kAct>
__global__ void activationBackwardKernel(float* dy, const float* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    if (kAct == DeviceActivation::kRelu) dy[i] = out[i] > 0.0f ? dy[i] : 0.0f;
    if (kAct == DeviceActivation::kGelu) dy[i] *= deviceGeluGrad(out[i]);
  }
}

// One block of 32 x 8 threads per 32 columns: each thread sums a strided set of
// rows of its column, then the 8 partial sums are combined in shared memory.
__global__ void columnSumAccumulateKernel(const float* dy, float* db, int64_t rows, int64_t cols) {
  __shared__ float partial[8][33];
  const int64_t col = blockIdx.x * 32 + threadIdx.x;
  float s = 0.0f;
  if (col < cols)
    for (int64_t r = threadIdx.y; r < rows; r += 8) s += dy[r * cols + col];
  partial[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    float total = 0.0f;
    for (int k = 0; k < 8; ++k) total += partial[k][threadIdx.x];
    db[col] += total;
  }
}

constexpr int kThreads = 256;

}  // namespace

void launchBiasActivation(float* y, const float* bias, float* pre, int64_t rows, int64_t cols,
                          DeviceActivation activation) {
  const int64_t n = rows * cols;
  if (n == 0) return;
  const int grid = gridFor(n, kThreads);
  switch (activation) {
    case DeviceActivation::kNone:
      biasActivationKernel<DeviceActivation::kNone><<<grid, kThreads, 0, computeStream()>>>(y, bias, pre, rows, cols);
      break;
    case DeviceActivation::kRelu:
      biasActivationKernel<DeviceActivation::kRelu><<<grid, kThreads, 0, computeStream()>>>(y, bias, pre, rows, cols);
      break;
    case DeviceActivation::kGelu:
      biasActivationKernel<DeviceActivation::kGelu><<<grid, kThreads, 0, computeStream()>>>(y, bias, pre, rows, cols);
      break;
  }
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchActivationBackwardInPlace(float* dy, const float* out, int64_t n, DeviceActivation activation) {
  if (n == 0 || activation == DeviceActivation::kNone) return;
  const int grid = gridFor(n, kThreads);
  if (activation == DeviceActivation::kRelu)
    activationBackwardKernel<DeviceActivation::kRelu><<<grid, kThreads, 0, computeStream()>>>(dy, out, n);
  else
    activationBackwardKernel<DeviceActivation::kGelu><<<grid, kThreads, 0, computeStream()>>>(dy, out, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchColumnSumAccumulate(const float* dy, float* db, int64_t rows, int64_t cols) {
  if (rows == 0 || cols == 0) return;
  const dim3 block(32, 8);
  const unsigned grid = static_cast<unsigned>((cols + 31) / 32);
  columnSumAccumulateKernel<<<grid, block, 0, computeStream()>>>(dy, db, rows, cols);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
