// core/optim/adam_moments.h — what AdamW, NAdamW and LAMB share: option checks
// and the bias-correction scalars of the first and second moments.
//
// Why: the three optimizers keep the same m/v moments and must validate and
// bias-correct them identically; one definition keeps them from drifting apart.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "core/optim/optimizer.h"

namespace gaplab::detail {

// Throws std::invalid_argument ("<optimizer>: beta1 = 1.5, expected 0 <= beta1 < 1").
inline void checkAdamOptions(const std::string& optimizer, float beta1, float beta2, float eps,
                             float weightDecay) {
  if (!(beta1 >= 0.0f && beta1 < 1.0f)) throw invalidOption(optimizer, "beta1", beta1, "0 <= beta1 < 1");
  if (!(beta2 >= 0.0f && beta2 < 1.0f)) throw invalidOption(optimizer, "beta2", beta2, "0 <= beta2 < 1");
  if (!(std::isfinite(eps) && eps > 0.0f)) throw invalidOption(optimizer, "eps", eps, "a finite value > 0");
  if (!(std::isfinite(weightDecay) && weightDecay >= 0.0f)) {
    throw invalidOption(optimizer, "weightDecay", weightDecay, "a finite value >= 0");
  }
}

// The scalars of one Adam-family step t >= 1. Bias corrections are computed in
// double, as PyTorch does in Python, then used as floats by the kernels.
struct AdamStep {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  double biasCorrection1 = 1.0;      // 1 - beta1^t
  float invBiasCorrection1 = 1.0f;   // 1 / (1 - beta1^t)
  float biasCorrection2Sqrt = 1.0f;  // sqrt(1 - beta2^t)
  float stepSize = 0.0f;             // lr / (1 - beta1^t)
};

inline AdamStep adamStep(float beta1, float beta2, float eps, float learningRate, int64_t t) {
  const double td = static_cast<double>(t);
  AdamStep s;
  s.beta1 = beta1;
  s.beta2 = beta2;
  s.eps = eps;
  s.biasCorrection1 = 1.0 - std::pow(static_cast<double>(beta1), td);
  s.invBiasCorrection1 = static_cast<float>(1.0 / s.biasCorrection1);
  s.biasCorrection2Sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(static_cast<double>(beta2), td)));
  s.stepSize = static_cast<float>(static_cast<double>(learningRate) / s.biasCorrection1);
  return s;
}

// One decoupled-decay Adam-family step over the whole arena (AdamW, NAdamW):
// blockKernel(step, keep, value, first, second, grad, n) updates one block, with
// keep = 1 - lr * wd for decayed parameters and 1 for the others.
template <class BlockKernel>
void decoupledAdamStep(ParameterArena& arena, float beta1, float beta2, float eps, float weightDecay,
                       float learningRate, int64_t t, const char* firstState, const char* secondState,
                       int64_t workPerElement, BlockKernel&& blockKernel) {
  const AdamStep s = adamStep(beta1, beta2, eps, learningRate, t);
  const float decayedScale = 1.0f - learningRate * weightDecay;
  float* values = arena.values();
  const float* grads = arena.grads();
  float* first = arena.state(firstState);
  float* second = arena.state(secondState);
  forEachDecaySegment(arena, workPerElement, [&](int64_t begin, int64_t end, WeightDecay decay) {
    blockKernel(s, decay == WeightDecay::kApply ? decayedScale : 1.0f, values + begin, first + begin, second + begin,
                grads + begin, end - begin);
  });
}

}  // namespace gaplab::detail
