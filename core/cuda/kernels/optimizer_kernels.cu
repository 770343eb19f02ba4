// core/cuda/kernels/optimizer_kernels.cu — see optimizer_kernels.h. The
// elementwise updates are grid-stride loops; every reduction sums in double in
// a pattern fixed by the sizes alone (no atomics), so results repeat bit for bit.
#include "core/cuda/kernels/optimizer_kernels.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/kernels/device_math.cuh"
#include "core/cuda/stream.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;


template <DeviceMomentum kMode>
__global__ void sgdKernel(const DeviceSgdScalars* scalars, float beta, bool decay, float* value, float* buffer,
                          const float* grad, int64_t n) {
  const float lr = scalars->lr;
  const float keep = decay ? scalars->decayedKeep : 1.0f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float g = grad[i];
    const float p = value[i];
    if constexpr (kMode == DeviceMomentum::kNone) {
      value[i] = keep * p - lr * g;
    } else {
      const float b = beta * buffer[i] + g;
      buffer[i] = b;
      if constexpr (kMode == DeviceMomentum::kHeavyBall) value[i] = keep * p - lr * b;
      else value[i] = keep * p - lr * (g + beta * b);
    }
  }
}

template <DeviceAdamVariant kVariant>
__global__ void adamKernel(const DeviceAdamWScalars* scalars, bool decay, float* value, float* first, float* second,
                           const float* grad, int64_t n) {
  const DeviceAdamScalars s = scalars->adam;
  const float keep = decay ? scalars->decayedKeep : 1.0f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float g = grad[i];
    const float m = s.beta1 * first[i] + (1.0f - s.beta1) * g;
    const float v = s.beta2 * second[i] + (1.0f - s.beta2) * (g * g);
    first[i] = m;
    second[i] = v;
    const float denom = sqrtf(v) / s.biasCorrection2Sqrt + s.eps;
    // NAdamW's Nesterov look-ahead: the moment as it would be after one more step with g.
    const float direction = kVariant == DeviceAdamVariant::kAdamW ? m : s.beta1 * m + (1.0f - s.beta1) * g;
    value[i] = keep * value[i] - s.stepSize * direction / denom;
  }
}

// One block per chunk: m, v and r for its elements, then the chunk's sums of p^2 and r^2.
__global__ void lambDirectionKernel(const DeviceLambScalars* scalars, const LambChunk* chunks, const float* value,
                                    float* first, float* second, const float* grad, float* direction,
                                    double* chunkSquares) {
  __shared__ double scratch[32];
  const DeviceAdamScalars s = scalars->adam;
  const LambChunk c = chunks[blockIdx.x];
  double pSq = 0.0, rSq = 0.0;
  for (int64_t i = c.begin + threadIdx.x; i < c.end; i += blockDim.x) {
    const float g = grad[i];
    const float p = value[i];
    const float m = s.beta1 * first[i] + (1.0f - s.beta1) * g;
    const float v = s.beta2 * second[i] + (1.0f - s.beta2) * (g * g);
    first[i] = m;
    second[i] = v;
    const float r = (m * s.invBiasCorrection1) / (sqrtf(v) / s.biasCorrection2Sqrt + s.eps) + c.weightDecay * p;
    direction[i] = r;
    pSq += double(p) * double(p);
    rSq += double(r) * double(r);
  }
  pSq = blockSum(pSq, scratch);
  rSq = blockSum(rSq, scratch);
  if (threadIdx.x == 0) {
    chunkSquares[2 * int64_t(blockIdx.x)] = pSq;
    chunkSquares[2 * int64_t(blockIdx.x) + 1] = rSq;
  }
}

// One block per tensor: its chunk sums in a fixed order, then the trust ratio.
__global__ void lambTrustRatioKernel(const double* chunkSquares, const int64_t* paramChunkBegin,
                                     const DeviceLambScalars* scalars, double* ratio, float* scale) {
  __shared__ double scratch[32];
  const int64_t begin = paramChunkBegin[blockIdx.x], end = paramChunkBegin[blockIdx.x + 1];
  double pSq = 0.0, rSq = 0.0;
  for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x) {
    pSq += chunkSquares[2 * k];
    rSq += chunkSquares[2 * k + 1];
  }
  pSq = blockSum(pSq, scratch);
  rSq = blockSum(rSq, scratch);
  if (threadIdx.x == 0) {
    const double r = pSq > 0.0 && rSq > 0.0 ? sqrt(pSq) / sqrt(rSq) : 1.0;
    ratio[blockIdx.x] = r;
    scale[blockIdx.x] = static_cast<float>(static_cast<double>(scalars->lr) * r);
  }
}

__global__ void lambApplyKernel(const LambChunk* chunks, const float* scale, const float* direction, float* value) {
  const LambChunk c = chunks[blockIdx.x];
  const float k = scale[c.param];
  for (int64_t i = c.begin + threadIdx.x; i < c.end; i += blockDim.x) value[i] -= k * direction[i];
}

// Pass 1 of the sum of squares: block b sums its grid-stride share into partial[b].
__global__ void sumOfSquaresPartialKernel(const float* x, int64_t n, double* partial) {
  __shared__ double scratch[32];
  double s = 0.0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const double v = x[i];
    s += v * v;
  }
  s = blockSum(s, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Pass 2: one block adds the partials.
__global__ void sumPartialsKernel(const double* partial, int count, double* result) {
  __shared__ double scratch[32];
  double s = 0.0;
  for (int k = threadIdx.x; k < count; k += blockDim.x) s += partial[k];
  s = blockSum(s, scratch);
  if (threadIdx.x == 0) *result = s;
}

__global__ void clipByNormKernel(float* grad, int64_t n, const double* sumOfSquares, double maxNorm) {
  const double norm = sqrt(*sumOfSquares);
  if (!isfinite(norm)) return;
  const double coef = maxNorm / (norm + 1e-6);
  if (!(coef < 1.0)) return;
  const auto scale = static_cast<float>(coef);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    grad[i] *= scale;
}

}  // namespace

void launchSgdUpdate(DeviceMomentum mode, const DeviceSgdScalars* s, float beta, bool decay, float* value,
                     float* buffer, const float* grad, int64_t n) {
  if (n == 0) return;
  const int grid = gridFor(n, kThreads);
  switch (mode) {
    case DeviceMomentum::kNone:
      sgdKernel<DeviceMomentum::kNone>
          <<<grid, kThreads, 0, computeStream()>>>(s, beta, decay, value, buffer, grad, n);
      break;
    case DeviceMomentum::kHeavyBall:
      sgdKernel<DeviceMomentum::kHeavyBall>
          <<<grid, kThreads, 0, computeStream()>>>(s, beta, decay, value, buffer, grad, n);
      break;
    case DeviceMomentum::kNesterov:
      sgdKernel<DeviceMomentum::kNesterov>
          <<<grid, kThreads, 0, computeStream()>>>(s, beta, decay, value, buffer, grad, n);
      break;
  }
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchAdamUpdate(DeviceAdamVariant variant, const DeviceAdamWScalars* s, bool decay, float* value, float* first,
                      float* second, const float* grad, int64_t n) {
  if (n == 0) return;
  const int grid = gridFor(n, kThreads);
  if (variant == DeviceAdamVariant::kAdamW)
    adamKernel<DeviceAdamVariant::kAdamW>
        <<<grid, kThreads, 0, computeStream()>>>(s, decay, value, first, second, grad, n);
  else
    adamKernel<DeviceAdamVariant::kNAdamW>
        <<<grid, kThreads, 0, computeStream()>>>(s, decay, value, first, second, grad, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchLambDirection(const DeviceLambScalars* s, const LambChunk* chunks, int64_t numChunks, const float* value,
                         float* first, float* second, const float* grad, float* direction, double* chunkSquares) {
  if (numChunks == 0) return;
  lambDirectionKernel<<<static_cast<unsigned>(numChunks), kThreads, 0, computeStream()>>>(
      s, chunks, value, first, second, grad, direction, chunkSquares);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchLambTrustRatios(const double* chunkSquares, const int64_t* paramChunkBegin, int64_t numParams,
                           const DeviceLambScalars* s, double* ratio, float* scale) {
  if (numParams == 0) return;
  lambTrustRatioKernel<<<static_cast<unsigned>(numParams), kThreads, 0, computeStream()>>>(
      chunkSquares, paramChunkBegin, s, ratio, scale);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchLambApply(const LambChunk* chunks, int64_t numChunks, const float* scale, const float* direction,
                     float* value) {
  if (numChunks == 0) return;
  lambApplyKernel<<<static_cast<unsigned>(numChunks), kThreads, 0, computeStream()>>>(chunks, scale, direction,
                                                                                     value);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchSumOfSquares(const float* x, int64_t n, double* result) {
  // At most 1024 partials, each over at least 4 elements per thread; the grid
  // depends only on n, so the summation order does too.
  const int partials =
      static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(1024, (n + kThreads * 4 - 1) / (kThreads * 4))));
  const std::shared_ptr<void> scratch = allocateDeviceBytes(sizeof(double) * static_cast<std::size_t>(partials));
  auto* partial = static_cast<double*>(scratch.get());
  sumOfSquaresPartialKernel<<<partials, kThreads, 0, computeStream()>>>(x, n, partial);
  GAPLAB_CUDA_CHECK_LAUNCH();
  sumPartialsKernel<<<1, 1024, 0, computeStream()>>>(partial, partials, result);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchClipByNorm(float* grad, int64_t n, const double* sumOfSquares, double maxNorm) {
  if (n == 0) return;
  clipByNormKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(grad, n, sumOfSquares, maxNorm);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
