// core/optim/schedule.cpp — the schedules' formulas and argument checks.
#include "core/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace gaplab {
namespace {

[[noreturn]] void invalid(const char* schedule, const char* argument, double value, const std::string& expected) {
  std::ostringstream os;
  os << schedule << ": " << argument << " = " << value << ", expected " << expected;
  throw std::invalid_argument(os.str());
}

void checkRate(const char* schedule, const char* argument, double lr) {
  if (!(std::isfinite(lr) && lr >= 0.0)) invalid(schedule, argument, lr, "a finite value >= 0");
}

void checkStep(const char* schedule, int64_t step) {
  if (step < 0) invalid(schedule, "step", static_cast<double>(step), "step >= 0");
}

// Checks the (peakLr, warmupSteps, totalSteps, floorLr) arguments of a decaying schedule.
void checkDecayArguments(const char* schedule, double peakLr, int64_t warmupSteps, int64_t totalSteps,
                         double floorLr) {
  checkRate(schedule, "peakLr", peakLr);
  if (warmupSteps < 0) invalid(schedule, "warmupSteps", static_cast<double>(warmupSteps), "warmupSteps >= 0");
  if (totalSteps <= 0) invalid(schedule, "totalSteps", static_cast<double>(totalSteps), "totalSteps > 0");
  if (totalSteps < warmupSteps) {
    invalid(schedule, "totalSteps", static_cast<double>(totalSteps),
            "totalSteps >= warmupSteps (" + std::to_string(warmupSteps) + ")");
  }
  if (!(floorLr >= 0.0 && floorLr <= peakLr)) {
    std::ostringstream expected;
    expected << "0 <= floorLr <= peakLr (" << peakLr << ")";
    invalid(schedule, "floorLr", floorLr, expected.str());
  }
}

// step / warmupSteps during warmup, 1 after it (and with no warmup).
double warmupFactor(int64_t step, int64_t warmupSteps) {
  if (step >= warmupSteps) return 1.0;
  return static_cast<double>(step) / static_cast<double>(warmupSteps);
}

double decayFactor(DecayShape shape, double progress) {
  switch (shape) {
    case DecayShape::kLinear: return 1.0 - progress;
    case DecayShape::kCosine: return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    case DecayShape::kOneMinusSqrt: return 1.0 - std::sqrt(progress);
  }
  return 1.0 - progress;
}

// Warmup to peak, peak until decayStart, then `shape` down to floor at totalSteps.
double warmupThenDecay(int64_t step, double peak, double floorLr, int64_t warmupSteps, int64_t decayStart,
                       int64_t totalSteps, DecayShape shape) {
  if (step < warmupSteps) return peak * warmupFactor(step, warmupSteps);
  if (step < decayStart) return peak;
  if (step >= totalSteps) return floorLr;
  const double progress = static_cast<double>(step - decayStart) / static_cast<double>(totalSteps - decayStart);
  return floorLr + (peak - floorLr) * decayFactor(shape, progress);
}

}  // namespace

LrSchedule::~LrSchedule() = default;

ConstantSchedule::ConstantSchedule(double lr, int64_t warmupSteps) : lr_(lr), warmupSteps_(warmupSteps) {
  checkRate("constant", "lr", lr);
  if (warmupSteps < 0) invalid("constant", "warmupSteps", static_cast<double>(warmupSteps), "warmupSteps >= 0");
}

double ConstantSchedule::learningRate(int64_t step) const {
  checkStep("constant", step);
  return lr_ * warmupFactor(step, warmupSteps_);
}

WarmupCosineSchedule::WarmupCosineSchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps, double floorLr)
    : peakLr_(peakLr), floorLr_(floorLr), warmupSteps_(warmupSteps), totalSteps_(totalSteps) {
  checkDecayArguments("warmup_cosine", peakLr, warmupSteps, totalSteps, floorLr);
}

double WarmupCosineSchedule::learningRate(int64_t step) const {
  checkStep("warmup_cosine", step);
  return warmupThenDecay(step, peakLr_, floorLr_, warmupSteps_, warmupSteps_, totalSteps_, DecayShape::kCosine);
}

WarmupLinearDecaySchedule::WarmupLinearDecaySchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps,
                                                     double floorLr)
    : peakLr_(peakLr), floorLr_(floorLr), warmupSteps_(warmupSteps), totalSteps_(totalSteps) {
  checkDecayArguments("warmup_linear_decay", peakLr, warmupSteps, totalSteps, floorLr);
}

double WarmupLinearDecaySchedule::learningRate(int64_t step) const {
  checkStep("warmup_linear_decay", step);
  return warmupThenDecay(step, peakLr_, floorLr_, warmupSteps_, warmupSteps_, totalSteps_, DecayShape::kLinear);
}

StepDecaySchedule::StepDecaySchedule(double lr, std::vector<int64_t> milestones, double gamma, int64_t warmupSteps)
    : lr_(lr), gamma_(gamma), milestones_(std::move(milestones)), warmupSteps_(warmupSteps) {
  checkRate("step_decay", "lr", lr);
  if (!(gamma > 0.0 && gamma <= 1.0)) invalid("step_decay", "gamma", gamma, "0 < gamma <= 1");
  if (warmupSteps < 0) invalid("step_decay", "warmupSteps", static_cast<double>(warmupSteps), "warmupSteps >= 0");
  for (std::size_t i = 0; i < milestones_.size(); ++i) {
    const int64_t previous = i == 0 ? 0 : milestones_[i - 1];
    if (milestones_[i] <= previous) {
      invalid("step_decay", ("milestones[" + std::to_string(i) + "]").c_str(), static_cast<double>(milestones_[i]),
              "strictly increasing milestones > 0 (previous: " + std::to_string(previous) + ")");
    }
  }
}

double StepDecaySchedule::learningRate(int64_t step) const {
  checkStep("step_decay", step);
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
  return lr_ * std::pow(gamma_, static_cast<double>(passed)) * warmupFactor(step, warmupSteps_);
}

WarmupStableDecaySchedule::WarmupStableDecaySchedule(double peakLr, int64_t warmupSteps, int64_t totalSteps,
                                                     double decayFraction, double floorLr, DecayShape shape)
    : peakLr_(peakLr), floorLr_(floorLr), warmupSteps_(warmupSteps), totalSteps_(totalSteps), shape_(shape) {
  checkDecayArguments("warmup_stable_decay", peakLr, warmupSteps, totalSteps, floorLr);
  if (!(decayFraction >= 0.0 && decayFraction <= 1.0)) {
    invalid("warmup_stable_decay", "decayFraction", decayFraction, "0 <= decayFraction <= 1");
  }
  const auto decaySteps = static_cast<int64_t>(std::llround(decayFraction * static_cast<double>(totalSteps)));
  decayStart_ = totalSteps - decaySteps;
  if (decayStart_ < warmupSteps) {
    invalid("warmup_stable_decay", "decayFraction", decayFraction,
            "warmupSteps (" + std::to_string(warmupSteps) + ") + round(decayFraction * totalSteps) <= totalSteps (" +
                std::to_string(totalSteps) + ")");
  }
}

double WarmupStableDecaySchedule::learningRate(int64_t step) const {
  checkStep("warmup_stable_decay", step);
  return warmupThenDecay(step, peakLr_, floorLr_, warmupSteps_, decayStart_, totalSteps_, shape_);
}

}  // namespace gaplab
