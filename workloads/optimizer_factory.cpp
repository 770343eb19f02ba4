// workloads/optimizer_factory.cpp — see optimizer_factory.h.
#include "workloads/optimizer_factory.h"

#include <stdexcept>

#include "core/optim/adamw.h"
#include "core/optim/lamb.h"
#include "core/optim/nadamw.h"
#include "core/optim/sgd.h"

namespace gaplab {

std::unique_ptr<Optimizer> makeOptimizer(const OptimizerConfig& c) {
  const auto f = [](double v) { return static_cast<float>(v); };
  if (c.name == "sgd" || c.name == "momentum" || c.name == "nesterov") {
    SgdOptions o;
    o.momentum = c.name == "sgd" ? Momentum::kNone : c.name == "momentum" ? Momentum::kHeavyBall : Momentum::kNesterov;
    o.beta = f(c.momentum);
    o.weightDecay = f(c.weightDecay);
    return std::make_unique<Sgd>(o);
  }
  if (c.name == "adamw") return std::make_unique<AdamW>(AdamWOptions{f(c.beta1), f(c.beta2), f(c.eps), f(c.weightDecay)});
  if (c.name == "nadamw")
    return std::make_unique<NAdamW>(NAdamWOptions{f(c.beta1), f(c.beta2), f(c.eps), f(c.weightDecay)});
  if (c.name == "lamb") return std::make_unique<Lamb>(LambOptions{f(c.beta1), f(c.beta2), f(c.eps), f(c.weightDecay)});
  throw std::invalid_argument("optimizer.name: unknown optimizer '" + c.name +
                              "'; expected sgd, momentum, nesterov, adamw, nadamw or lamb");
}

std::unique_ptr<LrSchedule> makeSchedule(const ScheduleConfig& c, double lr) {
  const double floor = lr * c.floorRatio;
  if (c.name == "constant") return std::make_unique<ConstantSchedule>(lr, c.warmupSteps);
  if (c.name == "warmup_cosine") return std::make_unique<WarmupCosineSchedule>(lr, c.warmupSteps, c.totalSteps, floor);
  if (c.name == "warmup_linear")
    return std::make_unique<WarmupLinearDecaySchedule>(lr, c.warmupSteps, c.totalSteps, floor);
  if (c.name == "step") return std::make_unique<StepDecaySchedule>(lr, c.milestones, c.gamma, c.warmupSteps);
  if (c.name == "wsd")
    return std::make_unique<WarmupStableDecaySchedule>(lr, c.warmupSteps, c.totalSteps, c.decayFraction, floor);
  throw std::invalid_argument("schedule.name: unknown schedule '" + c.name +
                              "'; expected constant, warmup_cosine, warmup_linear, step or wsd");
}

}  // namespace gaplab
