// sweeps/continual_analysis.h — the continual pre-training study's table:
// continual-evaluation metrics (sweeps/continual_metrics.h) of every trial,
// and their mean and range per strategy (sweep submission) over seeds.
//
// Why: a continued run records, at every evaluation, the old and the new
// domain's validation metrics as extras (data.monitor: validation/<corpus>/
// bits_per_byte and .../next_byte_accuracy; training.eval_at_start gives the
// value at the switch, step 0). This turns those curves into the numbers the
// De Lange et al. and Guo et al. papers compare strategies by.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sweeps/continual_metrics.h"
#include "sweeps/spread.h"
#include "workloads/trial_result.h"

namespace gaplab {

enum class ContinualMeasure {
  kNextByteAccuracy,  // higher is better
  kBitsPerByte,       // lower is better
};

struct ContinualAnalysisOptions {
  std::string oldCorpus = "fortunes_en";
  std::string newCorpus = "fortunes_de";
  ContinualMeasure measure = ContinualMeasure::kNextByteAccuracy;
  int64_t switchStep = 0;                 // the continued run's step 0 is the switch
  std::vector<int> windows = {10, 100};
  double recoveryTolerance = 0.0;
};

struct ContinualTrialRow {
  std::string trialId;
  std::string submission;
  uint64_t seed = 0;
  ContinualMetrics metrics;
  ContinualCurve curve;  // the evaluations with both domains, as read from the trial
};

struct ContinualStrategyRow {
  std::string submission;
  int trials = 0;
  Spread valueAtSwitch, minAcc, wcAcc, gapDepth, finalOld, finalNew;
  std::vector<Spread> forgetting, plasticity;  // one per window, options order
  int recovered = 0;                           // trials whose old domain came back within the tolerance
  Spread recoveryStep;                         // over the recovered trials (NaN when none)
  // Both domains' mean over the strategy's trials, at the steps every one of
  // them evaluated (the curves the plots draw).
  ContinualCurve meanCurve;
};

struct ContinualAnalysis {
  std::vector<ContinualTrialRow> trials;        // sorted by submission, then seed
  std::vector<ContinualStrategyRow> strategies; // sorted by submission name
  std::vector<std::string> skipped;             // "<trial id>: why" (no monitored extras, no evaluation at the switch)
};

// The extra-metric name that holds `corpus`'s `measure` in an evaluation.
std::string continualExtraName(const std::string& corpus, ContinualMeasure measure);

// Throws std::invalid_argument when no trial has the monitored curves (naming
// the extras it looked for).
ContinualAnalysis analyzeContinual(const std::vector<TrialResult>& trials, const ContinualAnalysisOptions& options);

}  // namespace gaplab
