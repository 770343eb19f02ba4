// core/cuda/kernels/moe_kernels.cu — see moe_kernels.h. The router kernels give
// one thread a whole token (E and K are small: the CPU loops, unchanged); the
// row kernels are grid-stride loops over [rows, width].
#include "core/cuda/kernels/moe_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void routeKernel(float* probs, int64_t tokens, int64_t experts, int64_t topK, bool renormalize,
                            float* logSumExp, int32_t* expert, float* gate) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens; t += int64_t(gridDim.x) * blockDim.x) {
    float* p = probs + t * experts;
    float mx = p[0];
    for (int64_t e = 1; e < experts; ++e)
      if (mx < p[e]) mx = p[e];
    float sum = 0.0f;
    for (int64_t e = 0; e < experts; ++e) {
      const float v = expf(p[e] - mx);
      p[e] = v;
      sum += v;
    }
    const float inv = 1.0f / sum;
    for (int64_t e = 0; e < experts; ++e) p[e] *= inv;
    logSumExp[t] = mx + logf(sum);
    // Top-k by probability, ties to the lower index; slot 0 is the most probable.
    int32_t* chosen = expert + t * topK;
    float chosenSum = 0.0f;
    for (int64_t s = 0; s < topK; ++s) {
      int64_t best = -1;
      for (int64_t e = 0; e < experts; ++e) {
        bool taken = false;
        for (int64_t j = 0; j < s; ++j) taken = taken || chosen[j] == e;
        if (!taken && (best < 0 || p[e] > p[best])) best = e;
      }
      chosen[s] = static_cast<int32_t>(best);
      gate[t * topK + s] = p[best];
      chosenSum += p[best];
    }
    if (renormalize)
      for (int64_t s = 0; s < topK; ++s) gate[t * topK + s] /= chosenSum;
  }
}

// Block b < E sums column b of probs, block E the squared log-sum-exps.
__global__ void routerSumsKernel(const float* probs, const float* logSumExp, int64_t tokens, int64_t experts,
                                 double* sums) {
  __shared__ double scratch[32];
  const int64_t column = blockIdx.x;
  double s = 0.0;
  for (int64_t t = threadIdx.x; t < tokens; t += blockDim.x) {
    if (column < experts) {
      s += static_cast<double>(probs[t * experts + column]);
    } else {
      const double l = logSumExp[t];
      s += l * l;
    }
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  s = warpSum(s);
  if (lane == 0) scratch[warp] = s;
  __syncthreads();
  if (warp == 0) {
    s = lane < (blockDim.x >> 5) ? scratch[lane] : 0.0;
    s = warpSum(s);
    if (lane == 0) sums[column] = s;
  }
}

__global__ void gatherKernel(const float* x, const int64_t* assignmentOfRow, int64_t rows, int64_t width,
                             int64_t topK, float* gathered) {
  const int64_t n = rows * width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / width, j = i - row * width;
    gathered[i] = x[(assignmentOfRow[row] / topK) * width + j];
  }
}

__global__ void geluForwardKernel(float* h, float* grad, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float v = h[i];
    if (grad) grad[i] = deviceGeluGrad(v);
    h[i] = deviceGelu(v);
  }
}

__global__ void swigluForwardKernel(const float* pre, int64_t rows, int64_t hidden, float* h) {
  const int64_t n = rows * hidden;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / hidden, j = i - row * hidden;
    const float g = pre[row * 2 * hidden + j];
    const float u = pre[row * 2 * hidden + hidden + j];
    const float s = deviceSigmoid(g);
    h[i] = g * s * u;
  }
}

__global__ void combineKernel(const float* expertOut, const int64_t* rowOf, const float* gate, int64_t tokens,
                              int64_t topK, int64_t width, float* y) {
  const int64_t n = tokens * width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / width, j = i - t * width;
    float acc = 0.0f;
    for (int64_t s = 0; s < topK; ++s) {
      const int64_t a = t * topK + s;
      const int64_t row = rowOf[a];
      if (row >= 0) acc += gate[a] * expertOut[row * width + j];
    }
    y[i] = acc;
  }
}

// One warp per row; the exit test is uniform over the warp, so the shuffles see all 32 lanes.
__global__ void gateGradKernel(const float* dy, const float* expertOut, const float* gate,
                               const int64_t* assignmentOfRow, int64_t rows, int64_t topK, int64_t width,
                               float* dgate, float* dOut) {
  const int64_t row = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const int64_t a = assignmentOfRow[row];
  const float* dyRow = dy + (a / topK) * width;
  const float* outRow = expertOut + row * width;
  float* dOutRow = dOut + row * width;
  const float g = gate[a];
  float dot = 0.0f;
  for (int64_t j = lane; j < width; j += 32) {
    const float d = dyRow[j];
    dot += d * outRow[j];
    dOutRow[j] = g * d;
  }
  dot = warpSum(dot);
  if (lane == 0) dgate[a] = dot;
}

__global__ void multiplyInPlaceKernel(float* dpre, const float* geluGrad, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dpre[i] *= geluGrad[i];
}

__global__ void swigluBackwardKernel(float* pre, const float* dh, int64_t rows, int64_t hidden) {
  const int64_t n = rows * hidden;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / hidden, j = i - row * hidden;
    float* gatePtr = pre + row * 2 * hidden + j;
    float* upPtr = gatePtr + hidden;
    const float g = *gatePtr, u = *upPtr, d = dh[i];
    const float s = deviceSigmoid(g);
    *gatePtr = d * u * s * (1.0f + g * (1.0f - s));
    *upPtr = d * g * s;
  }
}

// dp[e] for one token (see launchMoeRouterBackward): the aux term, plus the gate
// gradient when e is one of the token's chosen experts (experts are distinct).
__device__ __forceinline__ float routerDp(int64_t e, double auxScale, const double* routedFraction,
                                          const int32_t* chosen, const float* dgate, int64_t topK, bool renormalize,
                                          float weighted, float chosenSum) {
  float dp = static_cast<float>(auxScale * routedFraction[e]);
  if (dgate == nullptr) return dp;
  for (int64_t s = 0; s < topK; ++s) {
    if (chosen[s] != e) continue;
    dp += renormalize ? (dgate[s] - weighted) / chosenSum : dgate[s];
  }
  return dp;
}

__global__ void routerBackwardKernel(const float* probs, const float* logSumExp, const int32_t* expert,
                                     const float* gate, const float* dgate, const double* routedFraction,
                                     const float* dAuxLoss, double auxCoefficient, double zCoefficient,
                                     int64_t tokens, int64_t experts, int64_t topK, bool renormalize,
                                     float* dLogits) {
  // As the CPU: dAux * coefficient * E / N, in double, left to right.
  const double dAux = dAuxLoss ? static_cast<double>(*dAuxLoss) : 0.0;
  const double auxScale = dAux * auxCoefficient * static_cast<double>(experts) / static_cast<double>(tokens);
  const double zScale = dAux * zCoefficient * 2.0 / static_cast<double>(tokens);
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < tokens; t += int64_t(gridDim.x) * blockDim.x) {
    const float* p = probs + t * experts;
    const int32_t* chosen = expert + t * topK;
    const float* dg = dgate ? dgate + t * topK : nullptr;
    // g_s = p_s / S  =>  dL/dp_s = (dg_s - sum_j dg_j g_j) / S
    float chosenSum = 0.0f, weighted = 0.0f;
    if (renormalize && dg) {
      for (int64_t s = 0; s < topK; ++s) {
        chosenSum += p[chosen[s]];
        weighted += dg[s] * gate[t * topK + s];
      }
    }
    float dot = 0.0f;
    for (int64_t e = 0; e < experts; ++e)
      dot += p[e] * routerDp(e, auxScale, routedFraction, chosen, dg, topK, renormalize, weighted, chosenSum);
    const float z = static_cast<float>(zScale * static_cast<double>(logSumExp[t]));
    float* dl = dLogits + t * experts;
    for (int64_t e = 0; e < experts; ++e)
      dl[e] = p[e] * (routerDp(e, auxScale, routedFraction, chosen, dg, topK, renormalize, weighted, chosenSum) -
                      dot + z);
  }
}

__global__ void scatterAddKernel(const float* dxs, const int64_t* rowOf, int64_t tokens, int64_t topK, int64_t width,
                                 float* dx) {
  const int64_t n = tokens * width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / width, j = i - t * width;
    float acc = dx[i];
    for (int64_t s = 0; s < topK; ++s) {
      const int64_t row = rowOf[t * topK + s];
      if (row >= 0) acc += dxs[row * width + j];
    }
    dx[i] = acc;
  }
}

}  // namespace

void launchMoeRoute(float* probs, int64_t tokens, int64_t experts, int64_t topK, bool renormalize, float* logSumExp,
                    int32_t* expert, float* gate) {
  if (tokens == 0) return;
  routeKernel<<<gridFor(tokens, kThreads), kThreads, 0, computeStream()>>>(probs, tokens, experts, topK, renormalize,
                                                                            logSumExp, expert, gate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeRouterSums(const float* probs, const float* logSumExp, int64_t tokens, int64_t experts, double* sums) {
  routerSumsKernel<<<static_cast<unsigned>(experts + 1), kThreads, 0, computeStream()>>>(probs, logSumExp, tokens,
                                                                                        experts, sums);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeGather(const float* x, const int64_t* assignmentOfRow, int64_t rows, int64_t width, int64_t topK,
                     float* gathered) {
  if (rows * width == 0) return;
  gatherKernel<<<gridFor(rows * width, kThreads), kThreads, 0, computeStream()>>>(x, assignmentOfRow, rows, width,
                                                                                   topK, gathered);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeGeluForward(float* h, float* grad, int64_t n) {
  if (n == 0) return;
  geluForwardKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(h, grad, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeSwigluForward(const float* pre, int64_t rows, int64_t hidden, float* h) {
  if (rows * hidden == 0) return;
  swigluForwardKernel<<<gridFor(rows * hidden, kThreads), kThreads, 0, computeStream()>>>(pre, rows, hidden, h);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeCombine(const float* expertOut, const int64_t* rowOf, const float* gate, int64_t tokens, int64_t topK,
                      int64_t width, float* y) {
  if (tokens * width == 0) return;
  combineKernel<<<gridFor(tokens * width, kThreads), kThreads, 0, computeStream()>>>(expertOut, rowOf, gate, tokens,
                                                                                      topK, width, y);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeGateGrad(const float* dy, const float* expertOut, const float* gate, const int64_t* assignmentOfRow,
                       int64_t rows, int64_t topK, int64_t width, float* dgate, float* dOut) {
  if (rows == 0) return;
  constexpr int64_t kRowsPerBlock = kThreads / 32;
  const auto grid = static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
  gateGradKernel<<<grid, kThreads, 0, computeStream()>>>(dy, expertOut, gate, assignmentOfRow, rows, topK, width,
                                                         dgate, dOut);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeMultiplyInPlace(float* dpre, const float* geluGrad, int64_t n) {
  if (n == 0) return;
  multiplyInPlaceKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(dpre, geluGrad, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeSwigluBackward(float* pre, const float* dh, int64_t rows, int64_t hidden) {
  if (rows * hidden == 0) return;
  swigluBackwardKernel<<<gridFor(rows * hidden, kThreads), kThreads, 0, computeStream()>>>(pre, dh, rows, hidden);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeRouterBackward(const float* probs, const float* logSumExp, const int32_t* expert, const float* gate,
                             const float* dgate, const double* routedFraction, const float* dAuxLoss,
                             double auxCoefficient, double zCoefficient, int64_t tokens, int64_t experts,
                             int64_t topK, bool renormalize, float* dLogits) {
  if (tokens == 0) return;
  routerBackwardKernel<<<gridFor(tokens, kThreads), kThreads, 0, computeStream()>>>(
      probs, logSumExp, expert, gate, dgate, routedFraction, dAuxLoss, auxCoefficient, zCoefficient, tokens, experts,
      topK, renormalize, dLogits);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMoeScatterAdd(const float* dxs, const int64_t* rowOf, int64_t tokens, int64_t topK, int64_t width,
                         float* dx) {
  if (tokens * width == 0) return;
  scatterAddKernel<<<gridFor(tokens * width, kThreads), kThreads, 0, computeStream()>>>(dxs, rowOf, tokens, topK,
                                                                                         width, dx);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
