// core/cuda/kernels/pooling_kernels.cu — see pooling_kernels.h.
#include "core/cuda/kernels/pooling_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

// Window [lo, hi) along an axis of size `in` for output index `out` (clipped to the input).
__device__ __forceinline__ void window(int64_t out, int64_t in, const PoolGeometry& g, int64_t& lo, int64_t& hi) {
  const int64_t start = out * g.stride - g.padding;
  lo = start > 0 ? start : 0;
  hi = min(start + g.kernel, in);
}

// Output indices [lo, hi] whose window covers input index i along an axis with `out` outputs.
__device__ __forceinline__ void covering(int64_t i, int64_t out, const PoolGeometry& g, int64_t& lo, int64_t& hi) {
  // start = o*stride - padding <= i < start + kernel
  const int64_t first = i + g.padding - g.kernel + 1;  // o*stride >= first
  lo = first > 0 ? (first + g.stride - 1) / g.stride : 0;
  hi = min((i + g.padding) / g.stride, out - 1);
}

// Output element i of [planes, oh, ow]: its plane q and its window
// [h0, h1) x [w0, w1) in that plane of the input.
struct OutputWindow {
  int64_t q, h0, h1, w0, w1;
};
__device__ __forceinline__ OutputWindow outputWindow(int64_t i, const PoolGeometry& g) {
  OutputWindow o;
  o.q = i / (g.oh * g.ow);
  const int64_t rest = i - o.q * g.oh * g.ow;
  const int64_t oi = rest / g.ow, oj = rest - oi * g.ow;
  window(oi, g.h, g, o.h0, o.h1);
  window(oj, g.w, g, o.w0, o.w1);
  return o;
}

// Input element i of [planes, h, w]: its plane q, its index idx in the plane and
// the outputs [oi0, oi1] x [oj0, oj1] whose windows cover it.
struct CoveringOutputs {
  int64_t q, idx, oi0, oi1, oj0, oj1;
};
__device__ __forceinline__ CoveringOutputs coveringOutputs(int64_t i, const PoolGeometry& g) {
  CoveringOutputs c;
  c.q = i / (g.h * g.w);
  c.idx = i - c.q * g.h * g.w;
  const int64_t ih = c.idx / g.w, iw = c.idx - ih * g.w;
  covering(ih, g.oh, g, c.oi0, c.oi1);
  covering(iw, g.ow, g, c.oj0, c.oj1);
  return c;
}

__global__ void maxPoolForwardKernel(const float* __restrict__ x, float* __restrict__ y, int32_t* __restrict__ argmax,
                                     PoolGeometry g) {
  const int64_t total = g.planes * g.oh * g.ow;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const OutputWindow o = outputWindow(i, g);
    const float* plane = x + o.q * g.h * g.w;
    int64_t best = o.h0 * g.w + o.w0;
    float bestValue = plane[best];
    for (int64_t ih = o.h0; ih < o.h1; ++ih)
      for (int64_t iw = o.w0; iw < o.w1; ++iw) {
        const float v = plane[ih * g.w + iw];
        if (v > bestValue || (isnan(v) && !isnan(bestValue))) {
          bestValue = v;
          best = ih * g.w + iw;
        }
      }
    y[i] = bestValue;
    if (argmax) argmax[i] = static_cast<int32_t>(best);
  }
}

__global__ void maxPoolBackwardKernel(const float* __restrict__ dy, const int32_t* __restrict__ argmax, float* dx,
                                      PoolGeometry g, bool accumulate) {
  const int64_t total = g.planes * g.h * g.w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const CoveringOutputs c = coveringOutputs(i, g);
    const float* dyPlane = dy + c.q * g.oh * g.ow;
    const int32_t* argPlane = argmax + c.q * g.oh * g.ow;
    float acc = accumulate ? dx[i] : 0.0f;
    for (int64_t oi = c.oi0; oi <= c.oi1; ++oi)
      for (int64_t oj = c.oj0; oj <= c.oj1; ++oj)
        if (argPlane[oi * g.ow + oj] == c.idx) acc += dyPlane[oi * g.ow + oj];
    dx[i] = acc;
  }
}

__global__ void avgPoolForwardKernel(const float* __restrict__ x, float* __restrict__ y, PoolGeometry g) {
  const int64_t total = g.planes * g.oh * g.ow;
  const float inv = 1.0f / static_cast<float>(g.kernel * g.kernel);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const OutputWindow o = outputWindow(i, g);
    const float* plane = x + o.q * g.h * g.w;
    float s = 0.0f;
    for (int64_t ih = o.h0; ih < o.h1; ++ih)
      for (int64_t iw = o.w0; iw < o.w1; ++iw) s += plane[ih * g.w + iw];
    y[i] = s * inv;
  }
}

__global__ void avgPoolBackwardKernel(const float* __restrict__ dy, float* dx, PoolGeometry g, bool accumulate) {
  const int64_t total = g.planes * g.h * g.w;
  const float inv = 1.0f / static_cast<float>(g.kernel * g.kernel);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const CoveringOutputs c = coveringOutputs(i, g);
    const float* dyPlane = dy + c.q * g.oh * g.ow;
    float acc = accumulate ? dx[i] : 0.0f;
    for (int64_t oi = c.oi0; oi <= c.oi1; ++oi)
      for (int64_t oj = c.oj0; oj <= c.oj1; ++oj) acc += __fmul_rn(dyPlane[oi * g.ow + oj], inv);  // no FMA: the CPU rounds g = dy * inv first
    dx[i] = acc;
  }
}

constexpr int kWarpsPerBlock = 8;

// One warp per plane.
__global__ void globalAvgPoolForwardKernel(const float* __restrict__ x, float* __restrict__ y, int64_t planes,
                                           int64_t hw) {
  const int lane = threadIdx.x & 31;
  const int64_t q = blockIdx.x * int64_t(kWarpsPerBlock) + (threadIdx.x >> 5);
  if (q >= planes) return;  // whole warps leave together
  const float* plane = x + q * hw;
  float s = 0.0f;
  for (int64_t i = lane; i < hw; i += 32) s += plane[i];
  s = warpSum(s);
  if (lane == 0) y[q] = s * (1.0f / static_cast<float>(hw));
}

__global__ void globalAvgPoolBackwardKernel(const float* __restrict__ dy, float* dx, int64_t planes, int64_t hw,
                                            bool accumulate) {
  const int64_t total = planes * hw;
  const float inv = 1.0f / static_cast<float>(hw);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const float g = dy[i / hw] * inv;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

}  // namespace

void launchMaxPoolForward(const float* x, float* y, int32_t* argmax, const PoolGeometry& g) {
  const int64_t total = g.planes * g.oh * g.ow;
  if (total == 0) return;
  maxPoolForwardKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(x, y, argmax, g);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchMaxPoolBackward(const float* dy, const int32_t* argmax, float* dx, const PoolGeometry& g, bool accumulate) {
  const int64_t total = g.planes * g.h * g.w;
  if (total == 0) return;
  maxPoolBackwardKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(dy, argmax, dx, g, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchAvgPoolForward(const float* x, float* y, const PoolGeometry& g) {
  const int64_t total = g.planes * g.oh * g.ow;
  if (total == 0) return;
  avgPoolForwardKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(x, y, g);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchAvgPoolBackward(const float* dy, float* dx, const PoolGeometry& g, bool accumulate) {
  const int64_t total = g.planes * g.h * g.w;
  if (total == 0) return;
  avgPoolBackwardKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(dy, dx, g, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchGlobalAvgPoolForward(const float* x, float* y, int64_t planes, int64_t hw) {
  if (planes == 0) return;
  const unsigned grid = static_cast<unsigned>((planes + kWarpsPerBlock - 1) / kWarpsPerBlock);
  globalAvgPoolForwardKernel<<<grid, kWarpsPerBlock * 32, 0, computeStream()>>>(x, y, planes, hw);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchGlobalAvgPoolBackward(const float* dy, float* dx, int64_t planes, int64_t hw, bool accumulate) {
  const int64_t total = planes * hw;
  if (total == 0) return;
  globalAvgPoolBackwardKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(dy, dx, planes, hw,
                                                                                          accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
