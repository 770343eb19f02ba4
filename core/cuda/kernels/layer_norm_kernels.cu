// core/cuda/kernels/layer_norm_kernels.cu — see layer_norm_kernels.h.
//
// Forward and the input gradient give each row one warp (8 rows per block of
// 256 threads); the lanes stride over the row, so reads are coalesced and the
// row sums are warp shuffles. The statistics follow the CPU op: mean first,
// then the centred sum of squares, scale = 1 / sqrt(var + eps).
// The parameter gradients are column sums over all rows: blocks of 32 columns x
// a fixed chunk of rows write partial sums, and a second kernel adds a column's
// chunks in chunk order (no atomics, the same result on every run).
#include "core/cuda/kernels/layer_norm_kernels.h"

#include <algorithm>
#include <memory>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / 32;  // one warp per row
constexpr int64_t kChunkRows = 64;            // rows per partial sum of the parameter gradients
constexpr int64_t kMaxChunks = 1024;

int warpRowGrid(int64_t rows) {
  return static_cast<int>(std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, 65535));
}

template <DeviceNorm kKind>
__global__ void normForwardKernel(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                                  float* rstd, int64_t rows, int64_t d, float eps) {
  const int lane = threadIdx.x & 31;
  const float invD = 1.0f / static_cast<float>(d);
  // The whole warp takes the same row, so the shuffles below see all 32 lanes.
  for (int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kRowsPerBlock) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float mu = 0.0f;
    if (kKind == DeviceNorm::kLayer) {
      float s = 0.0f;
      for (int64_t j = lane; j < d; j += 32) s += xr[j];
      mu = warpSum(s) * invD;
    }
    float sq = 0.0f;
    for (int64_t j = lane; j < d; j += 32) {
      const float c = xr[j] - mu;
      sq += c * c;
    }
    const float scale = 1.0f / sqrtf(warpSum(sq) * invD + eps);
    for (int64_t j = lane; j < d; j += 32) {
      const float h = (xr[j] - mu) * scale;
      yr[j] = beta ? h * gamma[j] + beta[j] : h * gamma[j];
    }
    if (lane == 0) {
      if (mean && kKind == DeviceNorm::kLayer) mean[r] = mu;
      if (rstd) rstd[r] = scale;
    }
  }
}

template <DeviceNorm kKind>
__global__ void normBackwardInputKernel(const float* x, const float* dy, const float* gamma, const float* mean,
                                        const float* rstd, float* dx, int64_t rows, int64_t d, bool accumulate) {
  const int lane = threadIdx.x & 31;
  const float invD = 1.0f / static_cast<float>(d);
  for (int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kRowsPerBlock) {
    const float* xr = x + r * d;
    const float* dyr = dy + r * d;
    float* dxr = dx + r * d;
    const float mu = kKind == DeviceNorm::kLayer ? mean[r] : 0.0f;
    const float s = rstd[r];
    float sumG = 0.0f, sumGx = 0.0f;
    for (int64_t j = lane; j < d; j += 32) {
      const float g = dyr[j] * gamma[j];
      sumG += g;
      sumGx += g * ((xr[j] - mu) * s);
    }
    const float meanG = kKind == DeviceNorm::kLayer ? warpSum(sumG) * invD : 0.0f;
    const float meanGx = warpSum(sumGx) * invD;
    for (int64_t j = lane; j < d; j += 32) {
      const float g = dyr[j] * gamma[j];
      const float h = (xr[j] - mu) * s;
      const float v = s * (g - meanG - h * meanGx);
      dxr[j] = accumulate ? dxr[j] + v : v;
    }
  }
}

// Block (32, 8) over 32 columns and one chunk of rows (blockIdx.y): writes the
// chunk's sums of dy * x̂ and dy to partialG/partialB[chunk, col].
__global__ void normParamPartialKernel(const float* x, const float* dy, const float* mean, const float* rstd,
                                       float* partialG, float* partialB, int64_t rows, int64_t d, int64_t chunkRows) {
  __shared__ float sg[8][33], sb[8][33];
  const int64_t col = int64_t(blockIdx.x) * 32 + threadIdx.x;
  const int64_t r0 = int64_t(blockIdx.y) * chunkRows, r1 = min(rows, r0 + chunkRows);
  float g = 0.0f, b = 0.0f;
  if (col < d) {
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) {
      const float mu = mean ? mean[r] : 0.0f;
      const float v = dy[r * d + col];
      g += v * ((x[r * d + col] - mu) * rstd[r]);
      b += v;
    }
  }
  sg[threadIdx.y][threadIdx.x] = g;
  sb[threadIdx.y][threadIdx.x] = b;
  __syncthreads();
  if (threadIdx.y == 0 && col < d) {
    float tg = 0.0f, tb = 0.0f;
    for (int k = 0; k < 8; ++k) {
      tg += sg[k][threadIdx.x];
      tb += sb[k][threadIdx.x];
    }
    partialG[int64_t(blockIdx.y) * d + col] = tg;
    if (partialB) partialB[int64_t(blockIdx.y) * d + col] = tb;
  }
}

__global__ void normParamFinishKernel(const float* partialG, const float* partialB, float* dgamma, float* dbeta,
                                      int64_t chunks, int64_t d) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < d; j += int64_t(gridDim.x) * blockDim.x) {
    float g = 0.0f, b = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      g += partialG[c * d + j];
      if (dbeta) b += partialB[c * d + j];
    }
    dgamma[j] += g;
    if (dbeta) dbeta[j] += b;
  }
}

}  // namespace

void launchNormForward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                       int64_t rows, int64_t d, float eps, DeviceNorm kind) {
  if (rows == 0 || d == 0) return;
  const int grid = warpRowGrid(rows);
  if (kind == DeviceNorm::kLayer)
    normForwardKernel<DeviceNorm::kLayer>
        <<<grid, kThreads, 0, computeStream()>>>(x, gamma, beta, y, mean, rstd, rows, d, eps);
  else
    normForwardKernel<DeviceNorm::kRms>
        <<<grid, kThreads, 0, computeStream()>>>(x, gamma, beta, y, mean, rstd, rows, d, eps);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchNormBackwardInput(const float* x, const float* dy, const float* gamma, const float* mean,
                             const float* rstd, float* dx, int64_t rows, int64_t d, DeviceNorm kind, bool accumulate) {
  if (rows == 0 || d == 0) return;
  const int grid = warpRowGrid(rows);
  if (kind == DeviceNorm::kLayer)
    normBackwardInputKernel<DeviceNorm::kLayer>
        <<<grid, kThreads, 0, computeStream()>>>(x, dy, gamma, mean, rstd, dx, rows, d, accumulate);
  else
    normBackwardInputKernel<DeviceNorm::kRms>
        <<<grid, kThreads, 0, computeStream()>>>(x, dy, gamma, mean, rstd, dx, rows, d, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchNormParamGrads(const float* x, const float* dy, const float* mean, const float* rstd, float* dgamma,
                          float* dbeta, int64_t rows, int64_t d) {
  if (rows == 0 || d == 0) return;
  // The chunking depends on rows only, so the summation order is fixed for a shape.
  const int64_t chunkRows = std::max(kChunkRows, (rows + kMaxChunks - 1) / kMaxChunks);
  const int64_t chunks = (rows + chunkRows - 1) / chunkRows;
  // Freed at return: later users of the block are ordered after these kernels on the stream.
  const std::shared_ptr<float> partial = allocateDeviceFloats(static_cast<std::size_t>((dbeta ? 2 : 1) * chunks * d));
  float* partialG = partial.get();
  float* partialB = dbeta ? partialG + chunks * d : nullptr;
  const dim3 block(32, 8);
  const dim3 grid(static_cast<unsigned>((d + 31) / 32), static_cast<unsigned>(chunks));
  normParamPartialKernel<<<grid, block, 0, computeStream()>>>(x, dy, mean, rstd, partialG, partialB, rows, d,
                                                              chunkRows);
  GAPLAB_CUDA_CHECK_LAUNCH();
  normParamFinishKernel<<<gridFor(d, kThreads), kThreads, 0, computeStream()>>>(partialG, partialB, dgamma, dbeta,
                                                                                 chunks, d);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
