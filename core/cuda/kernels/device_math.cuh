// core/cuda/kernels/device_math.cuh — the scalar activation formulas of
// core/ops/activation_math.h as device functions, and warp/block reductions,
// shared by every kernel so that all CUDA ops agree with each other and with
// the CPU reference (exact-erf GELU, as PyTorch's default).
#pragma once

#include <cstdint>

namespace gaplab::cuda {

__device__ __forceinline__ float deviceGelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

__device__ __forceinline__ float deviceGeluGrad(float x) {
  const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
  const float pdf = 0.39894228040143268f * expf(-0.5f * x * x);
  return cdf + x * pdf;
}

__device__ __forceinline__ float deviceSigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// T is float or double (double for the optimizers' norms and LAMB's chunk sums).
template <class T>
__device__ __forceinline__ T warpSum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warpMax(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread
// gets the result. `scratch` holds 32 values of T in shared memory.
template <class T>
__device__ __forceinline__ T blockSum(T v, T* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpSum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  v = lane < warps ? scratch[lane] : T(0);
  return warpSum(v);
}

__device__ __forceinline__ float blockMax(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpMax(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) >> 5;
  v = lane < warps ? scratch[lane] : -INFINITY;
  return warpMax(v);
}

}  // namespace gaplab::cuda
