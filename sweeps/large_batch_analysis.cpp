// sweeps/large_batch_analysis.cpp — see large_batch_analysis.h.
#include "sweeps/large_batch_analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/config/config_node.h"
#include "workloads/weight_distance.h"

namespace gaplab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// training.batch_size of a trial's resolved config; 0 when it cannot be read.
int64_t batchSizeOf(const TrialResult& t) {
  if (t.configYaml.empty()) return 0;
  try {
    ConfigDocument doc = ConfigDocument::parse(t.configYaml, "config of trial " + t.trialId);
    return doc.root().section("training").getInt("batch_size", 0);
  } catch (const std::exception&) {
    return 0;
  }
}

// Whether the trial trained its budget (or stopped by rule) and so belongs in the table.
bool analysable(const TrialResult& t) {
  switch (t.status) {
    case TrialStatus::kReachedTarget:
    case TrialStatus::kMaxSteps:
    case TrialStatus::kMaxRuntime:
    case TrialStatus::kStoppedEarly:
      return !t.curve.empty();
    case TrialStatus::kDiverged:
    case TrialStatus::kFailed:
    case TrialStatus::kInterrupted:
      return false;
  }
  return false;
}

// (step, distance) of every evaluation with step > 0 that recorded the distance.
void distancesOf(const TrialResult& t, std::vector<int64_t>& steps, std::vector<double>& values) {
  steps.clear();
  values.clear();
  for (const EvalRecord& r : t.curve) {
    if (r.step <= 0) continue;
    for (const NamedMetric& m : r.extras)
      if (m.name == kWeightDistanceMetric) {
        steps.push_back(r.step);
        values.push_back(m.value);
        break;
      }
  }
}

}  // namespace

double slopeAgainstLogStep(const std::vector<int64_t>& steps, const std::vector<double>& values) {
  if (steps.size() != values.size())
    throw std::invalid_argument("slopeAgainstLogStep: " + std::to_string(steps.size()) + " steps but " +
                                std::to_string(values.size()) + " values");
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i] > 0) {
      xs.push_back(std::log(static_cast<double>(steps[i])));
      ys.push_back(values[i]);
    }
  if (xs.size() < 2) return kNaN;
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= static_cast<double>(xs.size());
  my /= static_cast<double>(xs.size());
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  return sxx > 0.0 ? sxy / sxx : kNaN;  // all steps equal: no slope
}

LargeBatchStudy analyzeLargeBatchStudy(const std::vector<TrialResult>& trials,
                                       const std::vector<std::string>& regimeOrder) {
  if (trials.empty()) throw LargeBatchAnalysisError("no trials to analyse");

  // Regime names: the given order first, then first appearance.
  std::vector<std::string> names;
  for (const std::string& n : regimeOrder)
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::map<std::string, std::vector<const TrialResult*>> byRegime;
  for (const TrialResult& t : trials) {
    if (t.submission.empty()) continue;
    byRegime[t.submission].push_back(&t);
    if (std::find(names.begin(), names.end(), t.submission) == names.end()) names.push_back(t.submission);
  }
  if (byRegime.empty())
    throw LargeBatchAnalysisError("none of the " + std::to_string(trials.size()) +
                                  " trials belongs to a regime (they have no sweep submission); run the study with "
                                  "`gaplab sweep`, one submission per regime (examples/studies/large_batch.yaml)");

  LargeBatchStudy study;
  for (const std::string& name : names) {
    auto it = byRegime.find(name);
    if (it == byRegime.end()) continue;  // named in the order, not in the file
    LargeBatchRegime regime;
    regime.name = name;
    std::vector<double> val, train, gap, finalDistance, slopes;
    std::map<int64_t, std::pair<double, int>> curve;  // step -> (sum, trials)
    bool firstBatch = true;
    std::vector<int64_t> steps;
    std::vector<double> distances;
    for (const TrialResult* t : it->second) {
      if (!analysable(*t)) {
        ++regime.excluded;
        continue;
      }
      if (study.metricName.empty()) study.metricName = t->metricName;
      distancesOf(*t, steps, distances);
      if (distances.empty())
        throw LargeBatchAnalysisError("trial " + t->trialId + " (regime '" + name + "', seed " +
                                      std::to_string(t->seed) + ") recorded no " + kWeightDistanceMetric +
                                      "; train the study with training.track_weight_distance: true");
      const EvalRecord& last = *t->finalEval();
      val.push_back(last.validationMetric);
      train.push_back(last.evalTrainMetric);
      gap.push_back(last.metricGap());
      finalDistance.push_back(distances.back());
      slopes.push_back(slopeAgainstLogStep(steps, distances));
      for (std::size_t i = 0; i < steps.size(); ++i) {
        auto& [sum, count] = curve[steps[i]];
        sum += distances[i];
        ++count;
      }
      regime.seeds.push_back(t->seed);
      regime.steps = std::max(regime.steps, t->steps);
      const int64_t batch = batchSizeOf(*t);
      if (firstBatch) regime.batchSize = batch;
      else if (batch != regime.batchSize) regime.batchSize = 0;
      firstBatch = false;
    }
    if (val.empty())
      throw LargeBatchAnalysisError("regime '" + name + "' has no trial that finished its budget (" +
                                    std::to_string(regime.excluded) + " failed, diverged or interrupted)");
    regime.validationMetric = Spread::of(val);
    regime.trainMetric = Spread::of(train);
    regime.metricGap = Spread::of(gap);
    regime.finalDistance = Spread::of(finalDistance);
    std::vector<double> finiteSlopes;
    for (const double s : slopes)
      if (std::isfinite(s)) finiteSlopes.push_back(s);
    regime.distanceSlope = Spread::of(finiteSlopes);
    for (const auto& [step, sc] : curve) regime.meanDistanceCurve.push_back({step, sc.first / sc.second, sc.second});
    study.regimes.push_back(std::move(regime));
  }
  return study;
}

}  // namespace gaplab
