// core/cuda/kernels/convert_kernels.cu — see convert_kernels.h.
#include "core/cuda/kernels/convert_kernels.h"

#include <cuda_bf16.h>

#include "core/cuda/cuda_check.h"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void floatToBf16Kernel(const float* src, __nv_bfloat16* dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = __float2bfloat16_rn(src[i]);
}

__global__ void bf16ToFloatKernel(const __nv_bfloat16* src, float* dst, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = __bfloat162float(src[i]);
}

}  // namespace

void launchFloatToBf16(const float* src, void* dst, int64_t n) {
  if (n == 0) return;
  floatToBf16Kernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(src, static_cast<__nv_bfloat16*>(dst), n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

void launchBf16ToFloat(const void* src, float* dst, int64_t n) {
  if (n == 0) return;
  bf16ToFloatKernel<<<gridFor(n, kThreads), kThreads, 0, computeStream()>>>(static_cast<const __nv_bfloat16*>(src),
                                                                           dst, n);
  GAPLAB_CUDA_CHECK_LAUNCH();
}

}  // namespace gaplab::cuda
