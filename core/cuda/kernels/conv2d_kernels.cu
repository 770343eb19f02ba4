// core/cuda/kernels/conv2d_kernels.cu — see conv2d_kernels.h. One thread per
// output element everywhere (writes coalesced along L or W), so no atomics:
// col2im gathers instead of scattering and is deterministic.
#include "core/cuda/kernels/conv2d_kernels.h"

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void im2colKernel(const float* __restrict__ x, float* __restrict__ col, ConvShape s) {
  const int64_t plane = s.oh * s.ow, cols = s.n * plane, total = s.c * s.kh * s.kw * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cols, l = i - r * cols;
    const int64_t c = r / (s.kh * s.kw), ki = (r / s.kw) % s.kh, kj = r % s.kw;
    const int64_t n = l / plane, p = l - n * plane;
    const int64_t oi = p / s.ow, oj = p - oi * s.ow;
    const int64_t ih = oi * s.strideH - s.padH + ki, iw = oj * s.strideW - s.padW + kj;
    col[i] = ih >= 0 && ih < s.h && iw >= 0 && iw < s.w ? x[((n * s.c + c) * s.h + ih) * s.w + iw] : 0.0f;
  }
}

__global__ void col2imKernel(const float* __restrict__ dcol, float* dx, ConvShape s, bool accumulate) {
  const int64_t plane = s.oh * s.ow, cols = s.n * plane, total = s.n * s.c * s.h * s.w;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t iw = i % s.w, ih = (i / s.w) % s.h, c = (i / (s.w * s.h)) % s.c, n = i / (s.w * s.h * s.c);
    float acc = accumulate ? dx[i] : 0.0f;
    for (int64_t ki = 0; ki < s.kh; ++ki) {
      const int64_t th = ih + s.padH - ki;  // = oi * strideH
      if (th < 0 || th % s.strideH != 0) continue;
      const int64_t oi = th / s.strideH;
      if (oi >= s.oh) continue;
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        const int64_t tw = iw + s.padW - kj;  // = oj * strideW
        if (tw < 0 || tw % s.strideW != 0) continue;
        const int64_t oj = tw / s.strideW;
        if (oj >= s.ow) continue;
        acc += dcol[((c * s.kh + ki) * s.kw + kj) * cols + n * plane + oi * s.ow + oj];
      }
    }
    dx[i] = acc;
  }
}

__global__ void outputPermuteKernel(const float* __restrict__ ymat, const float* __restrict__ bias,
                                    float* __restrict__ y, ConvShape s) {
  const int64_t plane = s.oh * s.ow, cols = s.n * plane, total = s.n * s.o * plane;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = i % plane, oc = (i / plane) % s.o, n = i / (plane * s.o);
    y[i] = ymat[oc * cols + n * plane + j] + (bias ? bias[oc] : 0.0f);
  }
}

__global__ void gradPermuteKernel(const float* __restrict__ dy, float* __restrict__ dymat, ConvShape s) {
  const int64_t plane = s.oh * s.ow, cols = s.n * plane, total = s.n * s.o * plane;
  // Indexed by the destination [O, L] so the writes are coalesced.
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t oc = i / cols, l = i - oc * cols, n = l / plane, j = l - n * plane;
    dymat[i] = dy[(n * s.o + oc) * plane + j];
  }
}

__global__ void rowSumAccumulateKernel(const float* __restrict__ m, float* db, int64_t cols) {
  __shared__ float scratch[32];
  const float* row = m + blockIdx.x * cols;
  float acc = 0.0f;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) acc += row[j];
  acc = blockSum(acc, scratch);
  if (threadIdx.x == 0) db[blockIdx.x] += acc;
}

int64_t numel(const ConvShape& s) { return s.n * s.c * s.h * s.w; }

}  // namespace

void launchIm2col(const float* x, float* col, const ConvShape& s) {
  const int64_t total = s.c * s.kh * s.kw * s.n * s.oh * s.ow;
  if (total == 0) return;
  im2colKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(x, col, s);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchCol2im(const float* dcol, float* dx, const ConvShape& s, bool accumulate) {
  const int64_t total = numel(s);
  if (total == 0) return;
  col2imKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(dcol, dx, s, accumulate);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchConvOutputPermute(const float* ymat, const float* bias, float* y, const ConvShape& s) {
  const int64_t total = s.n * s.o * s.oh * s.ow;
  if (total == 0) return;
  outputPermuteKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(ymat, bias, y, s);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchConvGradPermute(const float* dy, float* dymat, const ConvShape& s) {
  const int64_t total = s.n * s.o * s.oh * s.ow;
  if (total == 0) return;
  gradPermuteKernel<<<gridFor(total, kThreads), kThreads, 0, computeStream()>>>(dy, dymat, s);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchRowSumAccumulate(const float* m, float* db, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  rowSumAccumulateKernel<<<static_cast<unsigned>(rows), kThreads, 0, computeStream()>>>(m, db, cols);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
