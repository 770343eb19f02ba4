// core/cuda/kernels/embedding_kernels.cu — see embedding_kernels.h.
//
// Backward gives each used table row one block; the block's threads cover the
// row's d columns and each thread adds its column of the grouped dy rows in
// position order. No two blocks write the same row, so no atomics are needed
// and the sum order is fixed (the same as the CPU op's serial loop).
#include "core/cuda/kernels/embedding_kernels.h"

#include <algorithm>

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

}  // namespace gaplab::cuda
