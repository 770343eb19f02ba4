// core/cuda/kernels/dropout_kernels.cu — one grid-stride multiply; see the header.
#include "core/cuda/kernels/dropout_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void dropoutApplyKernel(const float* __restrict__ x, const uint8_t* __restrict__ keep, float keepScale,
                                   float* y, int64_t n, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    // The CPU's factor, and a plain multiply (no FMA with the accumulation), as the CPU rounds it.
    const float v = __fmul_rn(x[i], keep[i] ? keepScale : 0.0f);
    y[i] = accumulate ? y[i] + v : v;
  }
}

}  // namespace

void launchDropoutApply(const float* x, const uint8_t* keep, float keepScale, float* y, int64_t n, bool accumulate) {
  if (n == 0) return;
  dropoutApplyKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(x, keep, keepScale, y, n, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
