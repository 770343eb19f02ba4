// core/cuda/kernels/cross_entropy_kernels.cu — see cross_entropy_kernels.h.
//
// A warp owns a row: the class counts here (10 for images, 256 for bytes) fit a
// warp's lanes in one to eight steps, and warp shuffles need no shared memory.
#include "core/cuda/kernels/cross_entropy_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kWarpsPerBlock = 8;

// Larger value wins; equal values keep the smaller index (the CPU's first arg-max).
__device__ __forceinline__ void warpArgMax(float& value, int64_t& index) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float v = __shfl_xor_sync(0xffffffffu, value, offset);
    const int64_t i = __shfl_xor_sync(0xffffffffu, index, offset);
    if (v > value || (v == value && i < index)) {
      value = v;
      index = i;
    }
  }
}

__global__ void crossEntropyRowsKernel(const float* __restrict__ logits, const int32_t* __restrict__ labels,
                                       float* __restrict__ probs, double* rowNll, double* rowSmooth,
                                       double* rowCorrect, int64_t rows, int64_t classes, float smoothing) {
  const int lane = threadIdx.x & 31;
  const int64_t r = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (r >= rows) return;  // whole warps leave together: r depends on the warp only
  const float* z = logits + r * classes;
  float* p = probs + r * classes;

  // Each lane scans its classes in ascending order, so a strict > keeps its first maximum.
  float best = -INFINITY;
  int64_t bestIndex = classes;  // larger than any real index: loses every tie
  float sumLogits = 0.0f;
  for (int64_t k = lane; k < classes; k += 32) {
    const float v = z[k];
    if (v > best || bestIndex == classes) {
      best = v;
      bestIndex = k;
    }
    sumLogits += v;
  }
  warpArgMax(best, bestIndex);
  sumLogits = warpSum(sumLogits);
  const float mx = best;

  float sum = 0.0f;
  for (int64_t k = lane; k < classes; k += 32) {
    const float e = expf(z[k] - mx);
    p[k] = e;
    sum += e;
  }
  sum = warpSum(sum);
  const float inv = static_cast<float>(1.0 / static_cast<double>(sum));
  for (int64_t k = lane; k < classes; k += 32) p[k] *= inv;

  if (lane == 0) {
    const int32_t label = labels[r];
    const double logZ = static_cast<double>(mx) + log(static_cast<double>(sum));
    const double nll = logZ - static_cast<double>(z[label]);
    const double uniformNll = logZ - static_cast<double>(sumLogits) / static_cast<double>(classes);
    rowNll[r] = nll;
    rowSmooth[r] = (1.0 - smoothing) * nll + smoothing * uniformNll;
    rowCorrect[r] = bestIndex == label ? 1.0 : 0.0;
  }
}

constexpr int kReduceThreads = 1024;

__global__ void crossEntropyReduceKernel(const double* rowNll, const double* rowSmooth, const double* rowCorrect,
                                         int64_t rows, float* loss, double* stats) {
  __shared__ double scratch[3][32];
  double nll = 0.0, smooth = 0.0, correct = 0.0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    nll += rowNll[r];
    smooth += rowSmooth[r];
    correct += rowCorrect[r];
  }
  nll = warpSum(nll);
  smooth = warpSum(smooth);
  correct = warpSum(correct);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    scratch[0][warp] = nll;
    scratch[1][warp] = smooth;
    scratch[2][warp] = correct;
  }
  __syncthreads();
  if (warp != 0) return;
  const int warps = blockDim.x >> 5;
  nll = lane < warps ? scratch[0][lane] : 0.0;
  smooth = lane < warps ? scratch[1][lane] : 0.0;
  correct = lane < warps ? scratch[2][lane] : 0.0;
  nll = warpSum(nll);
  smooth = warpSum(smooth);
  correct = warpSum(correct);
  if (lane == 0) {
    loss[0] = static_cast<float>(smooth / static_cast<double>(rows));
    if (stats) {
      stats[0] = nll;
      stats[1] = correct;
    }
  }
}

__global__ void crossEntropyBackwardKernel(const float* __restrict__ probs, const int32_t* __restrict__ labels,
                                           const float* __restrict__ dloss, float* dlogits, int64_t rows,
                                           int64_t classes, float smoothing, bool accumulate) {
  const float scale = dloss[0] / static_cast<float>(rows);
  const float off = smoothing / static_cast<float>(classes);
  const float on = 1.0f - smoothing + off;
  const int64_t n = rows * classes;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / classes, k = i - r * classes;
    const float v = scale * (probs[i] - (k == labels[r] ? on : off));
    dlogits[i] = accumulate ? dlogits[i] + v : v;
  }
}

constexpr int kThreads = 256;

}  // namespace

void launchCrossEntropyRows(const float* logits, const int32_t* labels, float* probs, double* rowNll,
                            double* rowSmooth, double* rowCorrect, int64_t rows, int64_t classes, float smoothing) {
  if (rows == 0) return;
  const unsigned grid = static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  crossEntropyRowsKernel<<<grid, kWarpsPerBlock * 32, 0, computeStream()>>>(logits, labels, probs, rowNll, rowSmooth,
                                                                             rowCorrect, rows, classes, smoothing);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchCrossEntropyReduce(const double* rowNll, const double* rowSmooth, const double* rowCorrect, int64_t rows,
                              float* loss, double* stats) {
  crossEntropyReduceKernel<<<1, kReduceThreads, 0, computeStream()>>>(rowNll, rowSmooth, rowCorrect, rows, loss,
                                                                      stats);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchCrossEntropyBackward(const float* probs, const int32_t* labels, const float* dloss, float* dlogits,
                                int64_t rows, int64_t classes, float smoothing, bool accumulate) {
  const int64_t n = rows * classes;
  if (n == 0) return;
  crossEntropyBackwardKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(
      probs, labels, dloss, dlogits, rows, classes, smoothing, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
