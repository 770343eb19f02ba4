// core/optim/lamb.h — LAMB, layer-wise adaptive moments for large batches.
//
// Why: the large-batch studies (DESIGN.md "Studies of gaps") need an optimizer
// that keeps training stable when the batch grows; LAMB (You et al. 2019,
// arXiv:1904.00962, Algorithm 2) scales each tensor's Adam step by a trust ratio:
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   r = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps) + wd*p   (wd only for kApply)
//   p -= lr * (||p|| / ||r||) * r                        (ratio 1 if a norm is 0)
// with one ratio per parameter tensor (ParamInfo) and t = stepCount() after
// the increment. Norms are summed in double over fixed blocks in block order,
// so the step is identical for any thread count. State: arena.state("lamb.m"),
// arena.state("lamb.v").
#pragma once

#include <memory>
#include <vector>

#include "core/optim/optimizer.h"

namespace gaplab {

namespace cuda {
struct LambWorkspace;
}

struct LambOptions {
  float beta1 = 0.9f;         // 0 <= beta1 < 1
  float beta2 = 0.999f;       // 0 <= beta2 < 1
  float eps = 1e-6f;          // > 0, added to sqrt(v_hat) (the paper's value)
  float weightDecay = 0.01f;  // >= 0, added to the direction before the trust ratio
};

class Lamb final : public Optimizer {
 public:
  static constexpr const char* kFirstMomentState = "lamb.m";
  static constexpr const char* kSecondMomentState = "lamb.v";

  // Throws std::invalid_argument naming the option, its value and the allowed range.
  explicit Lamb(LambOptions options = {});
  void step(ParameterArena& arena, float learningRate) override;
  std::string name() const override { return "lamb"; }
  const LambOptions& options() const { return options_; }

  // The trust ratios ||p||/||r|| of the last step, one per arena.params() entry
  // (empty before the first step); for logging and tests. After a step on the
  // GPU the first call copies them to the host (and so waits for the step).
  const std::vector<double>& lastTrustRatios() const;

 private:
#if GAPLAB_HAVE_CUDA
  void stageDeviceStep(ParameterArena& arena, float learningRate, void* hostScalars) override;
  void enqueueDeviceUpdate(ParameterArena& arena, const void* deviceScalars) override;
#endif
  LambOptions options_;
  mutable std::vector<double> trustRatios_;
  // After a GPU step: the ratios as device doubles, until lastTrustRatios() copies them.
  mutable std::shared_ptr<void> deviceTrustRatios_;
  // The GPU tables and scratch (core/cuda/optim/optimizer_cuda.h), built by the
  // first stageStep on a GPU arena and rebuilt when the arena's layout changes.
  std::shared_ptr<cuda::LambWorkspace> workspace_;
};

}  // namespace gaplab
