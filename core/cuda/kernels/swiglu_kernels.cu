// core/cuda/kernels/swiglu_kernels.cu — see swiglu_kernels.h. One thread per
// output element (grid-stride); the formulas are those of
// core/ops/activation_math.h in the same order of operations, with sigmoid from
// device_math.cuh. Backward recomputes sigmoid(a) from the input, as the CPU op.
#include "core/cuda/kernels/swiglu_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void swigluForwardKernel(const float* x, float* y, int64_t rows, int64_t h) {
  const int64_t n = rows * h;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / h, j = i - r * h;
    const float a = x[r * 2 * h + j], b = x[r * 2 * h + h + j];
    const float s = deviceSigmoid(a);
    y[i] = a * s * b;
  }
}

__global__ void swigluBackwardKernel(const float* x, const float* dy, float* dx, int64_t rows, int64_t h,
                                     bool accumulate) {
  const int64_t n = rows * h;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / h, j = i - r * h;
    const int64_t ia = r * 2 * h + j, ib = ia + h;
    const float a = x[ia], b = x[ib], d = dy[i];
    const float s = deviceSigmoid(a);
    const float da = d * b * s * (1.0f + a * (1.0f - s));
    const float db = d * a * s;
    dx[ia] = accumulate ? dx[ia] + da : da;
    dx[ib] = accumulate ? dx[ib] + db : db;
  }
}

}  // namespace

void launchSwigluForward(const float* x, float* y, int64_t rows, int64_t h) {
  if (rows == 0 || h == 0) return;
  swigluForwardKernel<<<gridFor(rows * h, kThreads), kThreads, 0, computeStream()>>>(x, y, rows, h);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchSwigluBackward(const float* x, const float* dy, float* dx, int64_t rows, int64_t h, bool accumulate) {
  if (rows == 0 || h == 0) return;
  swigluBackwardKernel<<<gridFor(rows * h, kThreads), kThreads, 0, computeStream()>>>(x, dy, dx, rows, h,
                                                                                     accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
