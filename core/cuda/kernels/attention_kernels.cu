// core/cuda/kernels/attention_kernels.cu — see attention_kernels.h.
//
// The permutes are flat grid-stride loops indexed by the element they write, so
// the writes are coalesced; the reads move in runs of headDim contiguous floats.
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
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;

int warpRowGrid(int64_t rows) {
  return static_cast<int>(std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, 65535));
}

// `total` = l.numel() (a host function: computed by the launcher).
__global__ void splitHeadsKernel(const float* __restrict__ packed, float* __restrict__ heads, HeadsLayout l,
                                 int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    // i = (((p * B + b) * H + h) * T + t) * dh + e
    int64_t r = i / l.headDim;
    const int64_t e = i - r * l.headDim;
    int64_t q = r / l.seq;
    const int64_t t = r - q * l.seq;
    r = q / l.heads;
    const int64_t h = q - r * l.heads;
    const int64_t p = r / l.batch, b = r - p * l.batch;
    heads[i] = packed[(((b * l.seq + t) * l.parts + p) * l.heads + h) * l.headDim + e];
  }
}

__global__ void mergeHeadsKernel(const float* __restrict__ heads, float* __restrict__ packed, HeadsLayout l,
                                 int64_t total, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    // i = (((b * T + t) * parts + p) * H + h) * dh + e
    int64_t r = i / l.headDim;
    const int64_t e = i - r * l.headDim;
    int64_t q = r / l.heads;
    const int64_t h = r - q * l.heads;
    r = q / l.parts;
    const int64_t p = q - r * l.parts;
    const int64_t b = r / l.seq, t = r - b * l.seq;
    const float v = heads[(((p * l.batch + b) * l.heads + h) * l.seq + t) * l.headDim + e];
    packed[i] = accumulate ? packed[i] + v : v;
  }
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

void launchSplitHeads(const float* packed, float* heads, const HeadsLayout& layout) {
  const int64_t total = layout.numel();
  if (total == 0) return;
  splitHeadsKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(packed, heads, layout, total);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMergeHeads(const float* heads, float* packed, const HeadsLayout& layout, bool accumulate) {
  const int64_t total = layout.numel();
  if (total == 0) return;
  mergeHeadsKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(heads, packed, layout, total,
                                                                             accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

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
