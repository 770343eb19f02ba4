// core/cuda/kernels/embedding_kernels.cu — see embedding_kernels.h.
//
// Backward gives each used table row one block; the block's threads cover the
// row's d columns and each thread adds its column of the grouped dy rows in
// position order. No two blocks write the same row, so no atomics are needed
// and the sum order is fixed (the same as the CPU op's serial loop).
//
// The scanning backward (ids on the device, nothing grouped on the host) gives
// each (table row, column tile) one block. The block stages the ids a chunk at
// a time in shared memory; each warp then tests 32 ids at once (one per lane)
// and takes the ballot of those equal to the block's row, and every lane walks
// the set bits in ascending order (ascending positions), adding its column of
// those dy rows. So each id costs a lane one compare and each match one add per
// column, in position order. Blocks of different rows or tiles never write the
// same element: no atomics, a fixed order.
#include "core/cuda/kernels/embedding_kernels.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kRowThreads = 128;  // threads per table row in backward

__global__ void gatherKernel(const int32_t* ids, const float* table, float* y, int64_t count, int64_t d) {
  const int64_t n = count * d;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / d, j = i - t * d;
    y[i] = table[int64_t(ids[t]) * d + j];
  }
}

__global__ void rowSumKernel(const int32_t* rows, const int32_t* starts, const int32_t* positions, int64_t used,
                             const float* dy, float* dTable, int64_t d) {
  for (int64_t u = blockIdx.x; u < used; u += gridDim.x) {
    float* out = dTable + int64_t(rows[u]) * d;
    const int32_t k0 = starts[u], k1 = starts[u + 1];
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      float acc = out[j];
      for (int32_t k = k0; k < k1; ++k) acc += dy[int64_t(positions[k]) * d + j];
      out[j] = acc;
    }
  }
}

constexpr int kScanThreads = 128;  // columns per tile in the scanning backward (whole warps)
constexpr int kScanChunk = 1024;   // ids staged in shared memory at a time

__global__ void scanRowSumKernel(const int32_t* ids, int64_t count, const float* dy, float* dTable, int64_t d) {
  __shared__ int32_t chunk[kScanChunk];
  const int32_t row = static_cast<int32_t>(blockIdx.x);
  const int lane = static_cast<int>(threadIdx.x) & 31;
  const int64_t j = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
  const bool active = j < d;  // every lane still votes in the ballots below
  float acc = active ? dTable[int64_t(row) * d + j] : 0.0f;
  for (int64_t c0 = 0; c0 < count; c0 += kScanChunk) {
    const int n = static_cast<int>(count - c0 < kScanChunk ? count - c0 : kScanChunk);
    __syncthreads();  // the previous chunk is no longer read
    for (int k = threadIdx.x; k < n; k += blockDim.x) chunk[k] = ids[c0 + k];
    __syncthreads();
    for (int k0 = 0; k0 < n; k0 += 32) {
      const int k = k0 + lane;
      unsigned hits = __ballot_sync(0xffffffffu, k < n && chunk[k] == row);
      while (hits != 0u) {
        const int b = __ffs(hits) - 1;  // lowest set bit: the earliest position first
        hits &= hits - 1u;
        if (active) acc += dy[(c0 + k0 + b) * d + j];
      }
    }
  }
  if (active) dTable[int64_t(row) * d + j] = acc;
}

}  // namespace

void launchEmbeddingGather(const int32_t* ids, const float* table, float* y, int64_t count, int64_t d) {
  if (count == 0 || d == 0) return;
  gatherKernel<<<gridFor(count * d, kThreads), kThreads, 0, computeStream()>>>(ids, table, y, count, d);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchEmbeddingBackward(const int32_t* rows, const int32_t* starts, const int32_t* positions, int64_t used,
                             const float* dy, float* dTable, int64_t d) {
  if (used == 0 || d == 0) return;
  const int grid = static_cast<int>(std::min<int64_t>(used, 65535));
  rowSumKernel<<<grid, kRowThreads, 0, computeStream()>>>(rows, starts, positions, used, dy, dTable, d);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchEmbeddingBackwardScan(const int32_t* ids, int64_t count, const float* dy, float* dTable, int64_t vocab,
                                 int64_t d) {
  if (count == 0 || vocab == 0 || d == 0) return;
  const int64_t tiles = (d + kScanThreads - 1) / kScanThreads;
  if (vocab > 0x7fffffff || tiles > 65535)
    throw std::invalid_argument("launchEmbeddingBackwardScan: a [" + std::to_string(vocab) + ", " + std::to_string(d) +
                                "] table exceeds the kernel's grid");
  const dim3 grid(static_cast<unsigned>(vocab), static_cast<unsigned>(tiles));
  scanRowSumKernel<<<grid, kScanThreads, 0, computeStream()>>>(ids, count, dy, dTable, d);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
