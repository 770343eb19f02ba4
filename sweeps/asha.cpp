// sweeps/asha.cpp — see asha.h for the exact rule and which implementations it follows.
#include "sweeps/asha.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/config/config_node.h"

namespace gaplab {
namespace {

std::string numberText(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void validate(const AshaConfig& c) {
  if (c.reductionFactor < 2)
    throw std::invalid_argument("ASHA: reduction_factor (eta) = " + std::to_string(c.reductionFactor) +
                                "; expected an integer >= 2");
  if (!std::isfinite(c.minResource) || c.minResource <= 0.0)
    throw std::invalid_argument("ASHA: min_resource (r) = " + numberText(c.minResource) +
                                "; expected a finite value > 0");
  if (!std::isfinite(c.maxResource) || c.maxResource <= c.minResource)
    throw std::invalid_argument("ASHA: max_resource (R) = " + numberText(c.maxResource) +
                                "; expected a finite value > min_resource = " + numberText(c.minResource));
}

}  // namespace

std::string toString(AshaResourceUnit unit) { return unit == AshaResourceUnit::kSteps ? "steps" : "seconds"; }
std::string toString(AshaDirection direction) {
  return direction == AshaDirection::kMinimize ? "minimize" : "maximize";
}
std::string toString(AshaDecision decision) { return decision == AshaDecision::kContinue ? "continue" : "stop"; }

AshaStopper::AshaStopper(AshaConfig config) : config_(config) {
  validate(config_);
  // r * eta^k by repeated multiplication: exact for the integer step counts used in practice.
  for (double rung = config_.minResource; rung < config_.maxResource;
       rung *= static_cast<double>(config_.reductionFactor))
    rungs_.push_back(rung);
  recorded_.resize(rungs_.size());
}

const std::vector<double>& AshaStopper::rungValues(std::size_t rungIndex) const {
  if (rungIndex >= recorded_.size())
    throw std::out_of_range("ASHA: rung " + std::to_string(rungIndex) + " does not exist; there are " +
                            std::to_string(recorded_.size()) + " rungs");
  return recorded_[rungIndex];
}

bool AshaStopper::isStopped(const std::string& trialId) const {
  auto it = trials_.find(trialId);
  return it != trials_.end() && it->second.stopped;
}

bool AshaStopper::promotable(std::size_t rungIndex, double value) const {
  const std::vector<double>& values = recorded_[rungIndex];  // includes `value`
  const std::size_t eta = static_cast<std::size_t>(config_.reductionFactor);
  if (values.size() < eta) return true;
  const std::size_t k = values.size() / eta;  // the top k continue; k >= 1
  std::vector<double> sorted = values;
  if (config_.direction == AshaDirection::kMinimize) {
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k - 1), sorted.end());
    return value <= sorted[k - 1];
  }
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k - 1), sorted.end(),
                   std::greater<double>());
  return value >= sorted[k - 1];
}

AshaDecision AshaStopper::report(const std::string& trialId, double resource, double metricValue) {
  if (trialId.empty()) throw std::invalid_argument("ASHA: report with an empty trial id");
  if (std::isnan(resource) || resource < 0.0)
    throw std::invalid_argument("ASHA: trial '" + trialId + "' reported resource " + numberText(resource) + " " +
                                toString(config_.unit) + "; expected a value >= 0");
  TrialState& trial = trials_[trialId];
  if (trial.stopped) return AshaDecision::kStop;
  if (!std::isfinite(metricValue)) {
    trial.stopped = true;
    return AshaDecision::kStop;
  }
  while (trial.nextRung < rungs_.size() && resource >= rungs_[trial.nextRung]) {
    const std::size_t rung = trial.nextRung++;
    recorded_[rung].push_back(metricValue);
    if (!promotable(rung, metricValue)) {
      trial.stopped = true;
      return AshaDecision::kStop;
    }
  }
  if (resource >= config_.maxResource) {
    trial.stopped = true;
    return AshaDecision::kStop;
  }
  return AshaDecision::kContinue;
}

std::optional<AshaConfig> parseAshaConfig(const ConfigSection& sweepRoot, AshaDirection direction) {
  if (!sweepRoot.has("early_stopping")) return std::nullopt;
  const ConfigSection earlyStopping = sweepRoot.section("early_stopping");
  if (!earlyStopping.has("asha")) return std::nullopt;
  const ConfigSection asha = earlyStopping.section("asha");

  AshaConfig config;
  config.direction = direction;
  config.unit = asha.getChoice("unit", "steps", {"steps", "seconds"}) == "steps" ? AshaResourceUnit::kSteps
                                                                                 : AshaResourceUnit::kSeconds;
  config.reductionFactor =
      static_cast<int>(asha.getInt("reduction_factor", kAshaDefaultReductionFactor, Range::between(2, 1000)));
  for (const char* key : {"min_resource", "max_resource"}) {
    if (!asha.has(key))
      asha.fail(key, "missing", std::string("a number of ") + toString(config.unit) + " > 0 (required for ASHA)");
  }
  config.minResource = asha.getDouble("min_resource", 0.0, Range::above(0.0));
  config.maxResource = asha.getDouble("max_resource", 0.0, Range::above(0.0));
  if (config.unit == AshaResourceUnit::kSteps) {
    const std::pair<const char*, double> resources[] = {{"min_resource", config.minResource},
                                                        {"max_resource", config.maxResource}};
    for (const auto& [key, v] : resources)
      if (v != std::floor(v)) asha.fail(key, "got " + numberText(v), "a whole number of steps");
  }
  if (config.maxResource <= config.minResource)
    asha.fail("max_resource", "got " + numberText(config.maxResource),
              "a value > min_resource = " + numberText(config.minResource) + " (the largest resource a trial gets)");
  return config;
}

}  // namespace gaplab
