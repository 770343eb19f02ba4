// core/cuda/kernels/optimizer_kernels.h — the optimizer updates and the global
// gradient norm over the arena's flat device buffers.
//
// Why: on the GPU an optimizer step must be one pass of fused elementwise
// kernels over the whole model, like the blocked Eigen loops of core/optim on
// the CPU. The scalars of a step (learning rate, bias corrections, decay
// factors) are computed on the host exactly as the CPU code does and read by
// the kernels from a device block (core/cuda/step_scalars.h: a pointer, not
// by-value arguments, so a captured CUDA graph sees each step's values); per-
// segment constants (the decay flag, beta) stay by value. The formulas below
// repeat the CPU kernels' expressions term for term. Reductions (norms) sum in
// double in a fixed pattern that depends only on the sizes, so they are
// deterministic from run to run. Launchers take device pointers and enqueue on
// the compute stream; no CUDA types appear here.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

enum class DeviceMomentum { kNone, kHeavyBall, kNesterov };

// The step scalars of SGD, read from device memory.
struct DeviceSgdScalars {
  float lr = 0.0f;
  float decayedKeep = 1.0f;  // 1 - lr*wd
};

// SGD over one decay segment of n elements (core/optim/sgd.cpp):
//   kNone      p = keep*p - lr*g
//   kHeavyBall buf = beta*buf + g;  p = keep*p - lr*buf
//   kNesterov  buf = beta*buf + g;  p = keep*p - lr*(g + beta*buf)
// with keep = s->decayedKeep when `decay` and 1 otherwise; `s` is a device
// pointer; `buffer` may be null for kNone.
void launchSgdUpdate(DeviceMomentum mode, const DeviceSgdScalars* s, float beta, bool decay, float* value,
                     float* buffer, const float* grad, int64_t n);

// The float scalars of one Adam-family step (core/optim/adam_moments.h, AdamStep).
struct DeviceAdamScalars {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float invBiasCorrection1 = 1.0f;   // 1 / (1 - beta1^t)
  float biasCorrection2Sqrt = 1.0f;  // sqrt(1 - beta2^t)
  float stepSize = 0.0f;             // lr / (1 - beta1^t)
};

// The step scalars of AdamW and NAdamW, read from device memory.
struct DeviceAdamWScalars {
  DeviceAdamScalars adam;
  float decayedKeep = 1.0f;  // 1 - lr*wd
};

// The step scalars of LAMB, read from device memory.
struct DeviceLambScalars {
  DeviceAdamScalars adam;
  float lr = 0.0f;
};

enum class DeviceAdamVariant { kAdamW, kNAdamW };

// AdamW / NAdamW over one decay segment (core/optim/adamw.cpp, nadamw.cpp):
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   kAdamW  p = keep*p - stepSize*m / (sqrt(v)/bc2sqrt + eps)
//   kNAdamW p = keep*p - stepSize*(b1*m + (1-b1)*g) / (sqrt(v)/bc2sqrt + eps)
// with keep = s->decayedKeep when `decay` and 1 otherwise; `s` is a device pointer.
void launchAdamUpdate(DeviceAdamVariant variant, const DeviceAdamWScalars* s, bool decay, float* value, float* first,
                      float* second, const float* grad, int64_t n);

// A piece of at most kLambChunk elements of one parameter tensor, for LAMB's
// per-tensor norms. The chunks of a tensor are consecutive in the table.
struct LambChunk {
  int64_t begin = 0;  // flat offsets [begin, end)
  int64_t end = 0;
  int32_t param = 0;         // index into arena.params()
  float weightDecay = 0.0f;  // wd for WeightDecay::kApply tensors, 0 otherwise
};
static_assert(sizeof(LambChunk) == 24, "the host builds the table the kernels read");
constexpr int64_t kLambChunk = 4096;

// LAMB pass 1, one thread block per chunk: updates m and v, writes the direction
//   r = (m/(1-b1^t)) / (sqrt(v)/sqrt(1-b2^t) + eps) + wd*p
// to `direction` (a buffer of the arena's size) and the chunk's sums of p^2 and
// r^2 (in double) to chunkSquares[2k] and chunkSquares[2k + 1]. `s` is a device pointer.
void launchLambDirection(const DeviceLambScalars* s, const LambChunk* chunks, int64_t numChunks, const float* value,
                         float* first, float* second, const float* grad, float* direction, double* chunkSquares);
// LAMB pass 2, one thread block per tensor: adds the chunk sums of tensor i
// (chunks [paramChunkBegin[i], paramChunkBegin[i+1])) in a fixed order and writes
//   ratio[i] = ||p|| / ||r||  (1 when either norm is 0),  scale[i] = float(lr * ratio[i])
// with lr = s->lr (`s` a device pointer).
void launchLambTrustRatios(const double* chunkSquares, const int64_t* paramChunkBegin, int64_t numParams,
                           const DeviceLambScalars* s, double* ratio, float* scale);
// LAMB pass 3, one thread block per chunk: p -= scale[param] * r.
void launchLambApply(const LambChunk* chunks, int64_t numChunks, const float* scale, const float* direction,
                     float* value);

// *result = sum of x[i]^2 over [0, n) in double (0 for n == 0): per-block
// partial sums over a grid that depends only on n, then one block adds the
// partials in a fixed order; deterministic. `result` is a device pointer.
void launchSumOfSquares(const float* x, int64_t n, double* result);
// Gradient clipping with the norm left on the device: with norm = sqrt(*sumOfSquares)
// and coef = maxNorm / (norm + 1e-6), g *= float(coef) when norm is finite and
// coef < 1 (core/optim/grad_clip.h); otherwise g is untouched.
void launchClipByNorm(float* grad, int64_t n, const double* sumOfSquares, double maxNorm);

}  // namespace gaplab::cuda
