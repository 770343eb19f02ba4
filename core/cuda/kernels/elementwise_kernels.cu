// core/cuda/kernels/elementwise_kernels.cu — grid-stride elementwise kernels; see the header.
#include "core/cuda/kernels/elementwise_kernels.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void fillKernel(float* dst, int64_t n, float value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = value;
}

__global__ void addKernel(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = a[i] + b[i];
}

__global__ void accumulateKernel(const float* x, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += x[i];
}

__global__ void scaleKernel(const float* x, float alpha, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = alpha * x[i];
}

}  // namespace

int gridFor(int64_t n, int threads) {
  // Enough blocks to fill an H100 (132 SMs x 16 blocks) several times over; the
  // grid-stride loop covers the rest.
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(blocks, 132 * 32)));
}

void launchFill(float* dst, int64_t n, float value) {
  if (n == 0) return;
  fillKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(dst, n, value);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchAdd(const float* a, const float* b, float* y, int64_t n) {
  if (n == 0) return;
  addKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(a, b, y, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchAccumulate(const float* x, float* y, int64_t n) {
  if (n == 0) return;
  accumulateKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(x, y, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchScale(const float* x, float alpha, float* y, int64_t n) {
  if (n == 0) return;
  scaleKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(x, alpha, y, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
