// sweeps/continual_analysis.cpp — see continual_analysis.h.
#include "sweeps/continual_analysis.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace gaplab {
namespace {

std::optional<double> extraOf(const EvalRecord& r, const std::string& name) {
  for (const NamedMetric& m : r.extras)
    if (m.name == name) return m.value;
  return std::nullopt;
}

}  // namespace

std::string continualExtraName(const std::string& corpus, ContinualMeasure measure) {
  return "validation/" + corpus + (measure == ContinualMeasure::kNextByteAccuracy ? "/next_byte_accuracy" : "/bits_per_byte");
}

ContinualAnalysis analyzeContinual(const std::vector<TrialResult>& trials, const ContinualAnalysisOptions& options) {
  const std::string oldName = continualExtraName(options.oldCorpus, options.measure);
  const std::string newName = continualExtraName(options.newCorpus, options.measure);
  ContinualOptions metricOptions;
  metricOptions.switchStep = options.switchStep;
  metricOptions.direction = options.measure == ContinualMeasure::kNextByteAccuracy ? MetricDirection::kHigherIsBetter
                                                                                    : MetricDirection::kLowerIsBetter;
  metricOptions.windows = options.windows;
  metricOptions.recoveryTolerance = options.recoveryTolerance;

  ContinualAnalysis analysis;
  for (const TrialResult& t : trials) {
    ContinualCurve curve;
    for (const EvalRecord& r : t.curve) {
      const std::optional<double> oldValue = extraOf(r, oldName), newValue = extraOf(r, newName);
      if (!oldValue || !newValue) continue;
      curve.steps.push_back(r.step);
      curve.oldDomain.push_back(*oldValue);
      curve.newDomain.push_back(*newValue);
    }
    if (curve.steps.empty()) {
      analysis.skipped.push_back(t.trialId + ": no " + oldName + " / " + newName + " in its evaluations");
      continue;
    }
    try {
      ContinualMetrics metrics = computeContinualMetrics(curve, metricOptions);
      analysis.trials.push_back({t.trialId, t.submission, t.seed, std::move(metrics), std::move(curve)});
    } catch (const std::invalid_argument& e) {
      analysis.skipped.push_back(t.trialId + ": " + e.what());
    }
  }
  if (analysis.trials.empty())
    throw std::invalid_argument("no trial has both " + oldName + " and " + newName +
                                " with an evaluation at the switch (run with data.monitor: [" + options.oldCorpus +
                                ", " + options.newCorpus + "] and training.eval_at_start: true)" +
                                (analysis.skipped.empty() ? std::string() : "; first skipped: " + analysis.skipped.front()));
  std::stable_sort(analysis.trials.begin(), analysis.trials.end(), [](const ContinualTrialRow& a, const ContinualTrialRow& b) {
    return a.submission != b.submission ? a.submission < b.submission : a.seed < b.seed;
  });

  std::map<std::string, std::vector<const ContinualTrialRow*>> bySubmission;
  for (const ContinualTrialRow& row : analysis.trials) bySubmission[row.submission].push_back(&row);
  for (const auto& [submission, rows] : bySubmission) {
    ContinualStrategyRow s;
    s.submission = submission;
    s.trials = static_cast<int>(rows.size());
    auto collect = [&](auto field) {
      std::vector<double> v;
      for (const ContinualTrialRow* r : rows) v.push_back(field(r->metrics));
      return Spread::of(v);
    };
    s.valueAtSwitch = collect([](const ContinualMetrics& m) { return m.valueAtSwitch; });
    s.minAcc = collect([](const ContinualMetrics& m) { return m.minAcc; });
    s.wcAcc = collect([](const ContinualMetrics& m) { return m.wcAcc; });
    s.gapDepth = collect([](const ContinualMetrics& m) { return m.gapDepth; });
    s.finalOld = collect([](const ContinualMetrics& m) { return m.finalOld; });
    s.finalNew = collect([](const ContinualMetrics& m) { return m.finalNew; });
    for (std::size_t w = 0; w < options.windows.size(); ++w) {
      s.forgetting.push_back(collect([&](const ContinualMetrics& m) { return m.windowed[w].forgetting; }));
      s.plasticity.push_back(collect([&](const ContinualMetrics& m) { return m.windowed[w].plasticity; }));
    }
    std::vector<double> recovery;
    for (const ContinualTrialRow* r : rows)
      if (r->metrics.recoveryStep) recovery.push_back(static_cast<double>(*r->metrics.recoveryStep));
    s.recovered = static_cast<int>(recovery.size());
    s.recoveryStep = Spread::of(recovery);
    // Mean curve: the steps of the first trial that every other trial evaluated too.
    for (std::size_t i = 0; i < rows.front()->curve.steps.size(); ++i) {
      const int64_t step = rows.front()->curve.steps[i];
      double oldSum = 0.0, newSum = 0.0;
      bool everywhere = true;
      for (const ContinualTrialRow* r : rows) {
        const auto at = std::lower_bound(r->curve.steps.begin(), r->curve.steps.end(), step);
        if (at == r->curve.steps.end() || *at != step) {
          everywhere = false;
          break;
        }
        const auto k = static_cast<std::size_t>(at - r->curve.steps.begin());
        oldSum += r->curve.oldDomain[k];
        newSum += r->curve.newDomain[k];
      }
      if (!everywhere) continue;
      s.meanCurve.steps.push_back(step);
      s.meanCurve.oldDomain.push_back(oldSum / static_cast<double>(rows.size()));
      s.meanCurve.newDomain.push_back(newSum / static_cast<double>(rows.size()));
    }
    analysis.strategies.push_back(std::move(s));
  }
  return analysis;
}

}  // namespace gaplab
