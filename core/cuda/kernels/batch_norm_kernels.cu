// core/cuda/kernels/batch_norm_kernels.cu — see batch_norm_kernels.h.
//
// Reductions: one block per (channel tile, ghost). For [N, C] (s == 1) a block of
// 8 x 64 threads owns 8 adjacent channels: a warp reads 4 rows x 32 bytes (whole
// memory sectors), and a 1024-channel layer still gets 128 blocks; for
// [N, C, H, W] a block of 256 threads owns one channel and walks its contiguous
// H*W runs. Each statistic is summed by one block in a fixed order: results do
// not depend on timing (no atomics). Per-channel loops over ghosts (running
// stats, parameter gradients) run one thread per channel in ghost order, as the
// CPU does.
#include "core/cuda/kernels/batch_norm_kernels.h"

#include <stdexcept>
#include <string>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

enum class Reduce { kSum, kCenteredSquares, kBackward };

struct ReduceArgs {
  const float* x;
  const float* dy;
  const float* y;  // ReLU mask source (kBackward), may be null
  const float* mean;
  const float* invStd;
  float* out0;
  float* out1;
  int64_t n, c, s, ghost;
  bool average;
};

template <Reduce kMode>
__device__ __forceinline__ void accumulate(const ReduceArgs& a, int64_t idx, float mu, float is, float& acc0,
                                           float& acc1) {
  if (kMode == Reduce::kSum) {
    acc0 += a.x[idx];
  } else if (kMode == Reduce::kCenteredSquares) {
    const float d = a.x[idx] - mu;
    acc0 += d * d;
  } else {
    float d = a.dy[idx];
    if (a.y && !(a.y[idx] > 0.0f)) d = 0.0f;
    acc0 += d;
    acc1 += d * (a.x[idx] - mu) * is;
  }
}

template <Reduce kMode>
__device__ __forceinline__ void store(const ReduceArgs& a, int64_t k, int64_t c, int64_t rows, float acc0,
                                      float acc1) {
  const int64_t at = k * a.c + c;
  if (a.average) {
    const float m = static_cast<float>(rows * a.s);
    acc0 /= m;
    acc1 /= m;
  }
  a.out0[at] = acc0;
  if (kMode == Reduce::kBackward) a.out1[at] = acc1;
}

constexpr int kColumnTile = 8;   // channels per block
constexpr int kColumnRows = 64;  // block (kColumnTile, kColumnRows)

// [N, C]: block (blockIdx.x, blockIdx.y) = (kColumnTile channels, ghost).
template <Reduce kMode>
__global__ void reduceColumnsKernel(ReduceArgs a) {
  __shared__ float p0[kColumnRows][kColumnTile + 1], p1[kColumnRows][kColumnTile + 1];
  const int64_t c = blockIdx.x * int64_t(kColumnTile) + threadIdx.x;
  const int64_t k = blockIdx.y;
  const int64_t n0 = k * a.ghost, n1 = min(a.n, n0 + a.ghost);
  float acc0 = 0.0f, acc1 = 0.0f;
  if (c < a.c) {
    const float mu = a.mean ? a.mean[k * a.c + c] : 0.0f;
    const float is = a.invStd ? a.invStd[k * a.c + c] : 0.0f;
    for (int64_t n = n0 + threadIdx.y; n < n1; n += kColumnRows) accumulate<kMode>(a, n * a.c + c, mu, is, acc0, acc1);
  }
  p0[threadIdx.y][threadIdx.x] = acc0;
  p1[threadIdx.y][threadIdx.x] = acc1;
  __syncthreads();
  if (threadIdx.y == 0 && c < a.c) {
    float s0 = 0.0f, s1 = 0.0f;
    for (int r = 0; r < kColumnRows; ++r) {
      s0 += p0[r][threadIdx.x];
      s1 += p1[r][threadIdx.x];
    }
    store<kMode>(a, k, c, n1 - n0, s0, s1);
  }
}

constexpr int kPlaneThreads = 256;

// [N, C, H, W]: block (blockIdx.x, blockIdx.y) = (channel, ghost).
template <Reduce kMode>
__global__ void reducePlanesKernel(ReduceArgs a) {
  __shared__ float scratch[32];
  const int64_t c = blockIdx.x, k = blockIdx.y;
  const int64_t n0 = k * a.ghost, n1 = min(a.n, n0 + a.ghost);
  const int64_t count = (n1 - n0) * a.s;
  const float mu = a.mean ? a.mean[k * a.c + c] : 0.0f;
  const float is = a.invStd ? a.invStd[k * a.c + c] : 0.0f;
  float acc0 = 0.0f, acc1 = 0.0f;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    const int64_t r = i / a.s, sp = i - r * a.s;
    accumulate<kMode>(a, ((n0 + r) * a.c + c) * a.s + sp, mu, is, acc0, acc1);
  }
  acc0 = blockSum(acc0, scratch);
  if (kMode == Reduce::kBackward) acc1 = blockSum(acc1, scratch);
  if (threadIdx.x == 0) store<kMode>(a, k, c, n1 - n0, acc0, acc1);
}

template <Reduce kMode>
void launchReduce(const ReduceArgs& a) {
  const int64_t ghosts = (a.n + a.ghost - 1) / a.ghost;
  if (ghosts > 65535)  // gridDim.y limit
    throw std::invalid_argument("batchNorm (cuda): " + std::to_string(ghosts) +
                                " ghost batches in one call; at most 65535 are supported");
  if (a.s == 1) {
    const dim3 grid(static_cast<unsigned>((a.c + kColumnTile - 1) / kColumnTile), static_cast<unsigned>(ghosts));
    reduceColumnsKernel<kMode><<<grid, dim3(kColumnTile, kColumnRows), 0, computeStream()>>>(a);
  } else {
    const dim3 grid(static_cast<unsigned>(a.c), static_cast<unsigned>(ghosts));
    reducePlanesKernel<kMode><<<grid, kPlaneThreads, 0, computeStream()>>>(a);
  }
  GAPLAB_CUDA_CHECK_LAUNCH();
}

ReduceArgs argsFor(const ChannelLayout& l) {
  ReduceArgs a{};
  a.n = l.n;
  a.c = l.c;
  a.s = l.s;
  a.ghost = l.ghost;
  return a;
}

bool empty(const ChannelLayout& l) { return l.n == 0 || l.c == 0 || l.s == 0 || l.ghost == 0; }

__global__ void finishStatsKernel(float* var, float* invStd, ChannelLayout l, float eps) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= l.c) return;
  for (int64_t k = 0, n0 = 0; n0 < l.n; ++k, n0 += l.ghost) {
    const int64_t m = (min(l.n, n0 + l.ghost) - n0) * l.s;
    const int64_t at = k * l.c + c;
    const float v = var[at];
    invStd[at] = 1.0f / sqrtf(v + eps);
    var[at] = m > 1 ? v * static_cast<float>(m) / static_cast<float>(m - 1) : v;
  }
}

__global__ void runningStatsKernel(const float* mean, const float* var, float* rm, float* rv, int64_t channels,
                                   int64_t ghosts, float momentum) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= channels) return;
  float m = rm[c], v = rv[c];
  for (int64_t k = 0; k < ghosts; ++k) {
    m = (1.0f - momentum) * m + momentum * mean[k * channels + c];
    v = (1.0f - momentum) * v + momentum * var[k * channels + c];
  }
  rm[c] = m;
  rv[c] = v;
}

// kEval: mean/stat2 are the running mean and variance; else the ghost mean and invStd.
template <bool kEval>
__global__ void normalizeKernel(const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ mean,
                                const float* __restrict__ stat2, const float* __restrict__ gamma,
                                const float* __restrict__ beta, ChannelLayout l, float eps, bool relu) {
  const int64_t total = l.n * l.c * l.s;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t nc = i / l.s, n = nc / l.c, c = nc - n * l.c;
    const int64_t at = kEval ? c : (n / l.ghost) * l.c + c;
    const float is = kEval ? 1.0f / sqrtf(stat2[c] + eps) : stat2[at];
    const float scale = gamma[c] * is, shift = beta[c] - mean[at] * scale;
    const float v = x[i] * scale + shift;
    y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
  }
}

__global__ void paramGradsKernel(const float* sumDy, const float* sumDyXhat, float* dgamma, float* dbeta,
                                 int64_t channels, int64_t ghosts) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= channels) return;
  float g = dgamma[c], b = dbeta[c];
  for (int64_t k = 0; k < ghosts; ++k) {
    g += sumDyXhat[k * channels + c];
    b += sumDy[k * channels + c];
  }
  dgamma[c] = g;
  dbeta[c] = b;
}

__global__ void inputGradKernel(const float* __restrict__ dy, const float* __restrict__ yForRelu,
                                const float* __restrict__ x, const float* __restrict__ mean,
                                const float* __restrict__ invStd, const float* __restrict__ gamma,
                                const float* __restrict__ sumDy, const float* __restrict__ sumDyXhat, float* dx,
                                ChannelLayout l, float count, bool accumulate) {
  const int64_t total = l.n * l.c * l.s;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t nc = i / l.s, n = nc / l.c, c = nc - n * l.c;
    const int64_t k = n / l.ghost, at = k * l.c + c;
    const float m = count > 0.0f ? count : static_cast<float>((min(l.n, (k + 1) * l.ghost) - k * l.ghost) * l.s);
    float d = dy[i];
    if (yForRelu && !(yForRelu[i] > 0.0f)) d = 0.0f;
    const float is = invStd[at];
    const float a = gamma[c] * is, b = sumDy[at] / m, slope = sumDyXhat[at] / m * is;
    const float v = a * (d - b - (x[i] - mean[at]) * slope);
    dx[i] = accumulate ? dx[i] + v : v;
  }
}

constexpr int kThreads = 256;

unsigned channelGrid(int64_t channels) { return static_cast<unsigned>((channels + kThreads - 1) / kThreads); }

}  // namespace

void launchChannelMoments(const float* x, const float* mean, float* out, const ChannelLayout& l, bool average) {
  if (empty(l)) return;
  ReduceArgs a = argsFor(l);
  a.x = x;
  a.mean = mean;
  a.out0 = out;
  a.average = average;
  if (mean)
    launchReduce<Reduce::kCenteredSquares>(a);
  else
    launchReduce<Reduce::kSum>(a);
}

void launchFinishBatchStats(float* var, float* invStd, const ChannelLayout& l, float eps) {
  if (empty(l)) return;
  finishStatsKernel<<<channelGrid(l.c), kThreads, 0, computeStream()>>>(var, invStd, l, eps);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchRunningStatsUpdate(const float* mean, const float* unbiasedVar, float* runningMean, float* runningVar,
                              int64_t channels, int64_t ghosts, float momentum) {
  if (channels == 0 || ghosts == 0) return;
  runningStatsKernel<<<channelGrid(channels), kThreads, 0, computeStream()>>>(mean, unbiasedVar, runningMean,
                                                                              runningVar, channels, ghosts, momentum);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchBatchNormNormalize(const float* x, float* y, const float* mean, const float* invStd, const float* gamma,
                              const float* beta, const ChannelLayout& l, bool relu) {
  if (empty(l)) return;
  const int64_t total = l.n * l.c * l.s;
  normalizeKernel<false><<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(x, y, mean, invStd, gamma, beta,
                                                                                     l, 0.0f, relu);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchBatchNormNormalizeEval(const float* x, float* y, const float* runningMean, const float* runningVar,
                                  const float* gamma, const float* beta, const ChannelLayout& l, float eps,
                                  bool relu) {
  if (empty(l)) return;
  const int64_t total = l.n * l.c * l.s;
  normalizeKernel<true><<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(x, y, runningMean, runningVar,
                                                                                    gamma, beta, l, eps, relu);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchBatchNormBackwardSums(const float* dy, const float* yForRelu, const float* x, const float* mean,
                                 const float* invStd, float* sumDy, float* sumDyXhat, const ChannelLayout& l) {
  if (empty(l)) return;
  ReduceArgs a = argsFor(l);
  a.x = x;
  a.dy = dy;
  a.y = yForRelu;
  a.mean = mean;
  a.invStd = invStd;
  a.out0 = sumDy;
  a.out1 = sumDyXhat;
  a.average = false;
  launchReduce<Reduce::kBackward>(a);
}

void launchBatchNormParamGrads(const float* sumDy, const float* sumDyXhat, float* dgamma, float* dbeta,
                               int64_t channels, int64_t ghosts) {
  if (channels == 0 || ghosts == 0) return;
  paramGradsKernel<<<channelGrid(channels), kThreads, 0, computeStream()>>>(sumDy, sumDyXhat, dgamma, dbeta,
                                                                            channels, ghosts);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchBatchNormInputGrad(const float* dy, const float* yForRelu, const float* x, const float* mean,
                              const float* invStd, const float* gamma, const float* sumDy, const float* sumDyXhat,
                              float* dx, const ChannelLayout& l, float count, bool accumulate) {
  if (empty(l)) return;
  const int64_t total = l.n * l.c * l.s;
  inputGradKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(
      dy, yForRelu, x, mean, invStd, gamma, sumDy, sumDyXhat, dx, l, count, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
