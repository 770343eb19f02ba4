// workloads/trainer.h — the training loop and the AlgoPerf-style timing protocol.
//
// Why: time-to-result is only comparable if every workload is timed the same
// way. Timed: data selection, forward, backward, gradient all-reduce, optimizer
// step. Untimed and accounted separately: setup, evaluation, logging,
// checkpointing. Time-to-result is the timed seconds at the first evaluation
// that meets the target; with several ranks each timing is the maximum over ranks.
#pragma once

#include <atomic>
#include <memory>

#include "core/optim/optimizer.h"
#include "core/optim/schedule.h"
#include "distributed/communicator.h"
#include "workloads/run_config.h"
#include "workloads/trial_checkpoint.h"
#include "workloads/trial_result.h"
#include "workloads/workload.h"

namespace gaplab {

// What the trainer tells a progress display (the CLI's live line); untimed.
struct TrainingProgress {
  int64_t step = 0;
  int64_t maxSteps = 0;
  double epoch = 0.0;
  double loss = 0.0;           // running mean of recent minibatch losses
  double timedSeconds = 0.0;
  double maxRuntimeSeconds = 0.0;
  double learningRate = 0.0;
  const EvalRecord* lastEval = nullptr;
  std::string metricName;      // the workload's metric, e.g. "accuracy", "bits_per_byte"
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Once, before the first step: what is being trained, on what, towards which target.
  virtual void onStart(const std::string& model, const std::string& data, const std::string& target) = 0;
  virtual void onStep(const TrainingProgress& progress) = 0;
  virtual void onEval(const TrainingProgress& progress, const EvalRecord& record) = 0;
};

// Where and how often the trainer checkpoints, and whether it resumes first.
// Checkpoints are untimed (accounted as checkpointSeconds). The cadence counts
// timed seconds, which every rank agrees on, so all ranks checkpoint together.
struct CheckpointPlan {
  std::string path;                 // "": never checkpoint
  CheckpointOrigin origin;          // stored in the checkpoint, for `gaplab run --resume`
  int64_t everySteps = 0;           // 0: not by steps
  double everyTimedSeconds = 0.0;   // 0: not by time
  bool onInterrupt = true;          // checkpoint when stopped by a signal
  bool onFinish = false;            // checkpoint the final state too (a pre-trained model to continue from)
  bool resume = false;              // restore `path` before the first step
};

// Asked after every evaluation whether the trial should go on (early stopping
// such as ASHA). Called on every rank of the trial with the same record; it
// must give every rank the same answer.
class TrialMonitor {
 public:
  virtual ~TrialMonitor() = default;
  virtual bool shouldContinue(const EvalRecord& record) = 0;
};

class Trainer {
 public:
  Trainer(const RunConfig& config, Workload& workload, Optimizer& optimizer, const LrSchedule& schedule,
          Communicator& comm, ProgressSink* progress = nullptr);

  // Trains until the target is met, a budget runs out, the loss diverges or
  // `stopRequested` becomes true. Never throws for divergence: it is a status.
  // `setupSeconds` (data loading and model building, done by the caller) is
  // recorded in the result.
  // With a CheckpointPlan that resumes, training continues from the checkpoint's
  // step with the checkpoint's timers and curve (throws CheckpointError when the
  // checkpoint does not belong to this run).
  TrialResult run(double setupSeconds, const std::atomic<bool>* stopRequested = nullptr,
                  const CheckpointPlan* checkpoints = nullptr);
  // Early stopping: a `false` from the monitor ends the trial as kStoppedEarly.
  void setMonitor(TrialMonitor* monitor) { monitor_ = monitor; }

 private:
  EvalRecord evaluate(int64_t step, double timedSeconds, double wallSeconds, double trainLoss, double lr);
  bool meetsTarget(const EvalRecord& record) const;

  const RunConfig& config_;
  Workload& workload_;
  Optimizer& optimizer_;
  const LrSchedule& schedule_;
  Communicator& comm_;
  ProgressSink* progress_;
  TrialMonitor* monitor_ = nullptr;
};

}  // namespace gaplab
