// workloads/trial_result.h — what one training run produces: its curve and its summary.
//
// Why: the trainer fills it, the ResultStore writes it (one summary row plus one
// curve row per evaluation), the CLI prints it. Keeping it a plain struct keeps
// the trainer ignorant of HDF5 and the store ignorant of training.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gaplab {

enum class TrialStatus {
  kReachedTarget,   // an evaluation met the target
  kMaxSteps,        // step budget exhausted without reaching the target
  kMaxRuntime,      // timed-seconds budget exhausted without reaching the target
  kDiverged,        // loss became NaN/inf
  kFailed,          // an exception other than divergence
  kInterrupted,     // stopped by a signal (SIGINT/SIGTERM)
  kStoppedEarly,    // stopped by the sweep's early-stopping rule (ASHA)
};
std::string toString(TrialStatus status);
TrialStatus trialStatusFromString(const std::string& text);  // throws on unknown text

// Direction of a target: accuracy must rise to it, loss must fall to it.
enum class TargetDirection { kAtLeast, kAtMost };

// A metric beyond the fixed columns (bits per byte, MoE expert load, ...), named
// "<split>/<metric>", e.g. "validation/moe_load_cv".
struct NamedMetric {
  std::string name;
  double value = 0.0;
};

// One evaluation (untimed): metrics on the eval-train subset and on validation.
struct EvalRecord {
  int64_t step = 0;
  double epoch = 0.0;
  double timedSeconds = 0.0;   // timed-protocol seconds when the eval started
  double wallSeconds = 0.0;    // wall clock since the run started
  double trainLoss = 0.0;      // mean minibatch loss since the previous eval
  double evalTrainLoss = 0.0;
  double evalTrainMetric = 0.0;
  double validationLoss = 0.0;
  double validationMetric = 0.0;
  double learningRate = 0.0;
  std::vector<NamedMetric> extras;  // workload-specific metrics of this evaluation
  // Generalization gaps: metric gap = eval-train minus validation;
  // loss gap = validation minus eval-train (both positive when overfitting).
  double metricGap() const { return evalTrainMetric - validationMetric; }
  double lossGap() const { return validationLoss - evalTrainLoss; }
};

struct TrialResult {
  std::string trialId;       // stable hash of workload + config + seed
  std::string workload;
  std::string configYaml;    // the fully resolved config, as YAML
  uint64_t seed = 0;
  TrialStatus status = TrialStatus::kFailed;
  std::string statusMessage; // why it stopped, in words

  std::string metricName;    // the target's metric: the workload's metric (e.g. "accuracy") or "loss"
  TargetDirection targetDirection = TargetDirection::kAtLeast;
  double targetValue = 0.0;
  double timeToResultSeconds = std::numeric_limits<double>::infinity();
  int64_t stepsToResult = -1;

  int64_t steps = 0;
  double epochs = 0.0;
  // Accounting (DESIGN.md timing protocol): timed = data + forward + backward +
  // communication + optimizer; the rest is untimed and kept separately.
  double timedSeconds = 0.0;
  double evalSeconds = 0.0;
  double setupSeconds = 0.0;
  double loggingSeconds = 0.0;
  double checkpointSeconds = 0.0;
  double communicationSeconds = 0.0;  // inside the timed region: gradient all-reduce (max over ranks)
  double wallSeconds = 0.0;

  std::string host;
  int ranks = 1;
  int64_t parameterCount = 0;
  int64_t startedAtUnix = 0;

  // Sweep bookkeeping (empty / 0 / 1 for a plain `gaplab run`).
  std::string submission;    // the sweep's submission (training algorithm) name
  int study = 0;             // AlgoPerf study index
  std::string parameters;    // the sampled values, "key=value; key=value"
  int attempts = 1;          // runs it took (retries after transient failures)
  std::string samplePoint;   // the sampler's unit-cube point, %a-encoded and comma-separated (bayes resumes from it)

  std::vector<EvalRecord> curve;

  bool reachedTarget() const { return status == TrialStatus::kReachedTarget; }
  const EvalRecord* finalEval() const { return curve.empty() ? nullptr : &curve.back(); }
};

}  // namespace gaplab
