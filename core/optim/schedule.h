// core/optim/schedule.h — learning-rate schedules as pure functions of the step.
//
// Why (DESIGN.md "Schedules"): the Trainer asks a schedule for the learning
// rate of every step and hands it to Optimizer::step(). A schedule keeps no
// state, so resuming from a checkpoint needs only the step number, and sweeps
// can sample any schedule's arguments from YAML.
//
// Conventions shared by every schedule here:
// - `step` is the 0-based index of the update about to be applied (the
//   optimizer's stepCount() before the step); a negative step throws.
// - Linear warmup follows AlgoPerf's baselines (optax.linear_schedule from 0,
//   PyTorch LinearLR from ~0): lr = peak * step / warmupSteps for
//   step < warmupSteps, so step 0 gets 0 and step warmupSteps gets the peak.
//   warmupSteps = 0 means no warmup.
// - A decay runs from the peak at its first step to floorLr at totalSteps;
//   from totalSteps on the rate stays at floorLr.
// - Constructors validate their arguments and throw std::invalid_argument
//   naming the schedule, the argument, its value and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gaplab {

class LrSchedule {
 public:
  virtual ~LrSchedule();
  virtual double learningRate(int64_t step) const = 0;
  virtual std::string name() const = 0;
};

// Shape of a decay from 1 at progress 0 to 0 at progress 1.
enum class DecayShape {
  kLinear,        // 1 - q
  kCosine,        // (1 + cos(pi q)) / 2
  kOneMinusSqrt,  // 1 - sqrt(q), the WSD cooldown of Hägele et al. 2024 (arXiv:2405.18392)
};

// `lr` after an optional linear warmup.
class ConstantSchedule final : public LrSchedule {
 public:
  explicit ConstantSchedule(double lr, int64_t warmupSteps = 0);
  double learningRate(int64_t step) const override;
  std::string name() const override { return "constant"; }

 private:
  double lr_;
  int64_t warmupSteps_;
};

// Linear warmup to peakLr, then half a cosine from peakLr at warmupSteps to
// floorLr at totalSteps (AlgoPerf's baseline schedule with floorLr = 0).
class WarmupCosineSchedule final : public LrSchedule {
 public:
  WarmupCosineSchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps, double floorLr = 0.0);
  double learningRate(int64_t step) const override;
  std::string name() const override { return "warmup_cosine"; }

 private:
  double peakLr_, floorLr_;
  int64_t warmupSteps_, totalSteps_;
};

// Linear warmup to peakLr, then a straight line to floorLr at totalSteps.
class WarmupLinearDecaySchedule final : public LrSchedule {
 public:
  WarmupLinearDecaySchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps, double floorLr = 0.0);
  double learningRate(int64_t step) const override;
  std::string name() const override { return "warmup_linear_decay"; }

 private:
  double peakLr_, floorLr_;
  int64_t warmupSteps_, totalSteps_;
};

// lr * gamma^(number of milestones <= step), times the warmup factor while
// step < warmupSteps. Milestones are strictly increasing and > 0; 0 < gamma <= 1.
class StepDecaySchedule final : public LrSchedule {
 public:
  StepDecaySchedule(double lr, std::vector<int64_t> milestones, double gamma, int64_t warmupSteps = 0);
  double learningRate(int64_t step) const override;
  std::string name() const override { return "step_decay"; }

 private:
  double lr_, gamma_;
  std::vector<int64_t> milestones_;
  int64_t warmupSteps_;
};

// Warmup-stable-decay (Hu et al. 2024, MiniCPM, arXiv:2404.06395): linear
// warmup to peakLr, constant peakLr, then a decay of the given shape to
// floorLr over the last round(decayFraction * totalSteps) steps. The stable
// phase may be empty but must not be negative: warmupSteps + decay steps <= totalSteps.
class WarmupStableDecaySchedule final : public LrSchedule {
 public:
  WarmupStableDecaySchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps, double decayFraction,
                            double floorLr = 0.0, DecayShape shape = DecayShape::kLinear);
  double learningRate(int64_t step) const override;
  std::string name() const override { return "warmup_stable_decay"; }
  // First step of the decay phase (totalSteps - decay steps).
  int64_t decayStart() const { return decayStart_; }

 private:
  double peakLr_, floorLr_;
  int64_t warmupSteps_, totalSteps_, decayStart_;
  DecayShape shape_;
};

}  // namespace gaplab
