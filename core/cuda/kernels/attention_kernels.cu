// core/cuda/kernels/attention_kernels.cu — see attention_kernels.h.
//
// One warp per score row (8 rows per block of 256 threads): the lanes stride
// over the row's seq columns, the row max and sums are warp shuffles. Each lane
// reads back only the columns it wrote itself, so no synchronisation is needed
// between the passes. The whole row is written, the masked part with zeros, so
// the products that follow may read full [seq, seq] matrices.
#include "core/cuda/kernels/attention_kernels.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;

int warpRowGrid(int64_t rows) {
  return static_cast<int>(std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, 65535));
}

__global__ void causalSoftmaxKernel(float* scores, int64_t batches, int64_t batchStride, int64_t seq) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = batches * seq;
  // The whole warp takes the same row, so the shuffles below see all 32 lanes.
  for (int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kRowsPerBlock) {
    const int64_t b = r / seq, t = r - b * seq;
    float* row = scores + b * batchStride + t * seq;
    float mx = -INFINITY;
    for (int64_t j = lane; j <= t; j += 32) mx = fmaxf(mx, row[j]);
    mx = warpMax(mx);
    float sum = 0.0f;
    for (int64_t j = lane; j <= t; j += 32) {
      const float e = expf(row[j] - mx);
      row[j] = e;
      sum += e;
    }
    const float inv = 1.0f / warpSum(sum);
    for (int64_t j = lane; j < seq; j += 32) row[j] = j <= t ? row[j] * inv : 0.0f;
  }
}

__global__ void causalSoftmaxBackwardKernel(const float* probs, int64_t probsBatchStride, float* dp,
                                            int64_t dpBatchStride, int64_t batches, int64_t seq) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = batches * seq;
  for (int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kRowsPerBlock) {
    const int64_t b = r / seq, t = r - b * seq;
    const float* p = probs + b * probsBatchStride + t * seq;
    float* d = dp + b * dpBatchStride + t * seq;
    float dot = 0.0f;
    for (int64_t j = lane; j <= t; j += 32) dot += d[j] * p[j];
    const float c = warpSum(dot);
    for (int64_t j = lane; j < seq; j += 32) d[j] = j <= t ? p[j] * (d[j] - c) : 0.0f;
  }
}

}  // namespace

void launchCausalSoftmax(float* scores, int64_t batches, int64_t batchStride, int64_t seq) {
  if (batches == 0 || seq == 0) return;
  causalSoftmaxKernel<<<warpRowGrid(batches * seq), kThreads, 0, computeStream()>>>(scores, batches, batchStride,
                                                                                   seq);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchCausalSoftmaxBackward(const float* probs, int64_t probsBatchStride, float* dp, int64_t dpBatchStride,
                                 int64_t batches, int64_t seq) {
  if (batches == 0 || seq == 0) return;
  causalSoftmaxBackwardKernel<<<warpRowGrid(batches * seq), kThreads, 0, computeStream()>>>(
      probs, probsBatchStride, dp, dpBatchStride, batches, seq);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
