// sweeps/large_batch_analysis.h — the table of the large-batch / Ghost BatchNorm
// study (Hoffer, Hubara & Soudry 2017, "Train longer, generalize better") from
// the trials of a sweep.
//
// Why: the study's question is answered by one table — per training regime
// (SB, LB, +LR scaling, +Ghost BN, +regime adaptation): final validation and
// train accuracy and their generalization gap, mean and spread over seeds — and
// by the slope of ||w_t - w_0|| against log(step) (the paper's "ultra-slow
// diffusion"). This is that computation as pure logic (no HDF5, no printing):
// trials in, one row per regime out. `gaplab analyze large-batch` prints it.
//
// A regime is a sweep submission (TrialResult::submission); its seeds are the
// sweep's studies. The weight distance is the extra metric
// kWeightDistanceMetric ("train/weight_distance"), recorded by the trainer with
// training.track_weight_distance: true.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweeps/spread.h"
#include "workloads/trial_result.h"

namespace gaplab {

// Trials that cannot be analysed as a large-batch study: no trials, no regimes
// (plain runs without a submission), or no weight distances. The message says
// what is missing and how to record it.
class LargeBatchAnalysisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};


// One point of a regime's mean distance curve: the mean of ||w_t - w_0|| over
// the regime's trials that evaluated at `step`.
struct DistancePoint {
  int64_t step = 0;
  double meanDistance = 0.0;
  int trials = 0;
};

struct LargeBatchRegime {
  std::string name;                 // the submission
  int64_t batchSize = 0;            // training.batch_size of its trials (0 when they disagree or lack it)
  int64_t steps = 0;                // steps trained (the largest over its trials)
  std::vector<uint64_t> seeds;      // of the analysed trials, in file order
  int excluded = 0;                 // trials left out: failed, diverged or interrupted
  // At each trial's final evaluation:
  Spread validationMetric;          // e.g. validation accuracy
  Spread trainMetric;               // on the eval-train subset
  Spread metricGap;                 // train minus validation
  Spread finalDistance;             // ||w_T - w_0||
  // Least-squares slope b of distance = a + b ln(step) over a trial's
  // evaluations with step > 0 (NaN for a trial with fewer than two distinct steps).
  Spread distanceSlope;
  std::vector<DistancePoint> meanDistanceCurve;  // by step
};

struct LargeBatchStudy {
  std::string metricName;           // the trials' metric, e.g. "accuracy"
  std::vector<LargeBatchRegime> regimes;
};

// Least-squares slope of y against ln(x) over the pairs with x > 0; NaN when
// fewer than two distinct x remain.
double slopeAgainstLogStep(const std::vector<int64_t>& steps, const std::vector<double>& values);

// Groups `trials` by submission and computes the table. Regimes come in
// `regimeOrder` (e.g. the sweep file's submission order) and then, for names
// not in it, in order of first appearance. Throws LargeBatchAnalysisError when
// there are no trials, when no trial has a submission, when a regime has no
// trial that finished its budget, or when an analysed trial has no weight
// distance at a step > 0 (naming the trial and the config key to set).
LargeBatchStudy analyzeLargeBatchStudy(const std::vector<TrialResult>& trials,
                                       const std::vector<std::string>& regimeOrder = {});

}  // namespace gaplab
