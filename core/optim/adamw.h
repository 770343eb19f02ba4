// core/optim/adamw.h — Adam with decoupled weight decay (Loshchilov & Hutter 2019).
//
// Why: the optimizer of the language-model workloads and reference benchmarks.
// Semantics follow torch.optim.AdamW, so curves compare with PyTorch runs:
//   p *= 1 - lr*wd                         (only WeightDecay::kApply parameters)
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
// with t = stepCount() after the increment. State: arena.state("adamw.m"),
// arena.state("adamw.v").
#pragma once

#include "core/optim/optimizer.h"

namespace gaplab {

struct AdamWOptions {
  float beta1 = 0.9f;         // 0 <= beta1 < 1
  float beta2 = 0.999f;       // 0 <= beta2 < 1
  float eps = 1e-8f;          // > 0, added to sqrt(v_hat)
  float weightDecay = 0.01f;  // decoupled, >= 0 (PyTorch's default)
};

class AdamW final : public Optimizer {
 public:
  static constexpr const char* kFirstMomentState = "adamw.m";
  static constexpr const char* kSecondMomentState = "adamw.v";

  // Throws std::invalid_argument naming the option, its value and the allowed range.
  explicit AdamW(AdamWOptions options = {});
  void step(ParameterArena& arena, float learningRate) override;
  std::string name() const override { return "adamw"; }
  const AdamWOptions& options() const { return options_; }

 private:
#if GAPLAB_HAVE_CUDA
  void stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) override;
  void enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) override;
#endif
  AdamWOptions options_;
};

}  // namespace gaplab
