// core/optim/nadamw.h — NAdamW, the AlgoPerf baseline optimizer.
//
// Why: AlgoPerf's reference submission (Dahl et al. 2023) is NAdam without
// momentum decay (Table 1 of Choi et al. 2019, arXiv:1910.05446) plus decoupled
// weight decay multiplied by the learning rate. Time-to-result comparisons
// against AlgoPerf need exactly that rule:
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   u = (b1*m + (1-b1)*g) / (1-b1^t) / (sqrt(v/(1-b2^t)) + eps)
//   p -= lr*(u + wd*p)                     (wd only for WeightDecay::kApply)
// with t = stepCount() after the increment and p on the right the value before
// the step. State: arena.state("nadamw.m"), arena.state("nadamw.v").
#pragma once

#include "core/optim/optimizer.h"

namespace gaplab {

struct NAdamWOptions {
  float beta1 = 0.9f;         // 0 <= beta1 < 1 (AlgoPerf tunes 1 - beta1)
  float beta2 = 0.999f;       // 0 <= beta2 < 1
  float eps = 1e-8f;          // > 0, added to sqrt(v_hat)
  float weightDecay = 0.01f;  // decoupled, multiplied by lr, >= 0
};

class NAdamW final : public Optimizer {
 public:
  static constexpr const char* kFirstMomentState = "nadamw.m";
  static constexpr const char* kSecondMomentState = "nadamw.v";

  // Throws std::invalid_argument naming the option, its value and the allowed range.
  explicit NAdamW(NAdamWOptions options = {});
  void step(ParameterArena& arena, float learningRate) override;
  std::string name() const override { return "nadamw"; }
  const NAdamWOptions& options() const { return options_; }

 private:
#if GAPLAB_HAVE_CUDA
  void stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) override;
  void enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) override;
#endif
  NAdamWOptions options_;
};

}  // namespace gaplab
