// core/optim/sgd.h — stochastic gradient descent with optional momentum.
//
// Why: the baseline of the image workloads and the optimizer of the mlp
// reference benchmark (SGD, momentum 0.9). Momentum follows PyTorch (no
// dampening): buf = beta*buf + g; heavy ball p -= lr*buf; Nesterov
// p -= lr*(g + beta*buf). Weight decay is decoupled (p -= lr*wd*p, with p the
// value before this step) and applies only to parameters marked
// WeightDecay::kApply. The momentum buffer is arena.state("sgd.momentum").
#pragma once

#include "core/optim/optimizer.h"

namespace gaplab {

enum class Momentum { kNone, kHeavyBall, kNesterov };

struct SgdOptions {
  Momentum momentum = Momentum::kNone;
  float beta = 0.9f;         // momentum coefficient, 0 <= beta < 1 (unused with kNone)
  float weightDecay = 0.0f;  // decoupled, >= 0
};

class Sgd final : public Optimizer {
 public:
  static constexpr const char* kMomentumState = "sgd.momentum";

  // Throws std::invalid_argument naming the option, its value and the allowed range.
  explicit Sgd(SgdOptions options = {});
  void step(ParameterArena& arena, float learningRate) override;
  std::string name() const override { return "sgd"; }
  const SgdOptions& options() const { return options_; }

 private:
#if GAPLAB_HAVE_CUDA
  void stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) override;
  void enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) override;
#endif
  SgdOptions options_;
};

}  // namespace gaplab
