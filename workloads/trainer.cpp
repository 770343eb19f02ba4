// workloads/trainer.cpp — see trainer.h for the protocol.
#include "workloads/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>

#include "core/optim/grad_clip.h"
#include "distributed/gradient_reducer.h"

namespace gaplab {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

Trainer::Trainer(const RunConfig& config, Workload& workload, Optimizer& optimizer, const LrSchedule& schedule,
                 Communicator& comm, ProgressSink* progress)
    : config_(config), workload_(workload), optimizer_(optimizer), schedule_(schedule), comm_(comm), progress_(progress) {}

bool Trainer::meetsTarget(const EvalRecord& r) const {
  const double v = config_.target.metric == "loss" ? r.validationLoss : r.validationMetric;
  return config_.target.direction == TargetDirection::kAtLeast ? v >= config_.target.value : v <= config_.target.value;
}

EvalRecord Trainer::evaluate(int64_t step, double timedSeconds, double wallSeconds, double trainLoss, double lr) {
  EvalRecord r;
  r.step = step;
  r.epoch = workload_.epochsDone();
  r.timedSeconds = timedSeconds;
  r.wallSeconds = wallSeconds;
  r.trainLoss = trainLoss;
  r.learningRate = lr;
  const EvalResult et = workload_.evaluate(EvalSplit::kEvalTrain);
  const EvalResult va = workload_.evaluate(EvalSplit::kValidation);
  r.evalTrainLoss = et.loss;
  r.evalTrainMetric = et.metric;
  r.validationLoss = va.loss;
  r.validationMetric = va.metric;
  for (const NamedMetric& m : et.extras) r.extras.push_back({"eval_train/" + m.name, m.value});
  for (const NamedMetric& m : va.extras) r.extras.push_back({"validation/" + m.name, m.value});
  return r;
}

TrialResult Trainer::run(double setupSeconds, const std::atomic<bool>* stopRequested) {
  const TrainingConfig& tc = config_.training;
  TrialResult result;
  result.workload = config_.workload;
  result.configYaml = config_.resolvedYaml;
  result.trialId = trialIdOf(config_.resolvedYaml);
  result.seed = config_.seed;
  result.metricName = config_.target.metric == "loss" ? "loss" : workload_.metricName();
  result.targetDirection = config_.target.direction;
  result.targetValue = config_.target.value;
  result.host = hostName();
  result.ranks = comm_.size();
  result.parameterCount = workload_.arena().size();
  result.startedAtUnix = static_cast<int64_t>(std::time(nullptr));
  result.setupSeconds = setupSeconds;

  ParameterArena& arena = workload_.arena();
  if (progress_) {
    char target[96];
    std::snprintf(target, sizeof target, "validation %s %s %g", result.metricName.c_str(),
                  result.targetDirection == TargetDirection::kAtLeast ? ">=" : "<=", result.targetValue);
    progress_->onStart(workload_.describeModel(), workload_.describeData(), target);
  }
  const Clock::time_point wallStart = Clock::now();
  double timed = 0.0, evalSeconds = 0.0, loggingSeconds = 0.0, communication = 0.0;
  double lossSinceEval = 0.0, runningLoss = 0.0;
  int64_t stepsSinceEval = 0;
  double lastEvalTimed = 0.0;
  double lr = schedule_.learningRate(0);
  int64_t step = 0;
  TrainingProgress progress;
  progress.maxSteps = tc.maxSteps;
  progress.maxRuntimeSeconds = tc.maxRuntimeS;
  progress.metricName = workload_.metricName();
  bool stop = false;
  std::unique_ptr<GradientReducer> reducer;  // data parallel only; built once per run
  if (comm_.size() > 1)
    reducer = std::make_unique<GradientReducer>(
        arena, comm_, static_cast<int64_t>(config_.distributed.bucketMb * 1024.0 * 1024.0));

  auto doEval = [&]() {
    const Clock::time_point t = Clock::now();
    const double trainLoss = stepsSinceEval ? lossSinceEval / static_cast<double>(stepsSinceEval) : runningLoss;
    EvalRecord rec = evaluate(step, timed, secondsSince(wallStart), trainLoss, lr);
    result.curve.push_back(rec);
    lossSinceEval = 0.0;
    stepsSinceEval = 0;
    lastEvalTimed = timed;
    evalSeconds += secondsSince(t);
    if (progress_) {
      const Clock::time_point l = Clock::now();
      progress.lastEval = &result.curve.back();
      progress_->onEval(progress, rec);
      loggingSeconds += secondsSince(l);
    }
    // AlgoPerf: a target met after the time budget does not count.
    if (meetsTarget(rec) && timed <= config_.training.maxRuntimeS) {
      result.status = TrialStatus::kReachedTarget;
      result.timeToResultSeconds = timed;
      result.stepsToResult = step;
      result.statusMessage = "reached validation " + result.metricName + " target " + std::to_string(config_.target.value) +
                             " at step " + std::to_string(step);
      stop = true;
    }
  };

  // The ranks of a trial must take the same branch every step: a local
  // divergence or stop request is agreed on with one max-reduction first.
  enum StepFlag { kContinue = 0, kStopRequested = 1, kLossNotFinite = 2 };
  auto agreed = [&](int flag) {
    return comm_.size() > 1 ? static_cast<int>(comm_.allReduceMax(static_cast<double>(flag))) : flag;
  };

  try {
    while (!stop) {
      if (agreed(stopRequested && stopRequested->load() ? kStopRequested : kContinue) == kStopRequested) {
        result.status = TrialStatus::kInterrupted;
        result.statusMessage = "interrupted by a signal at step " + std::to_string(step);
        break;
      }
      // ---- timed region: data, forward, backward, all-reduce, optimizer ----
      const Clock::time_point t0 = Clock::now();
      double lossValue = 0.0;
      {
        lr = schedule_.learningRate(step);
        arena.zeroGrad();
        Tape tape;  // freed (activations back to the allocator) inside the timed region
        Variable loss = workload_.trainForward(tape, step);
        lossValue = loss.value().item();
        if (agreed(std::isfinite(lossValue) ? kContinue : kLossNotFinite) == kLossNotFinite) {
          timed += comm_.allReduceMax(secondsSince(t0));
          result.status = TrialStatus::kDiverged;
          result.statusMessage = "training loss became " + std::to_string(lossValue) + " at step " +
                                 std::to_string(step) + " (learning rate " + std::to_string(lr) + ")";
          break;
        }
        // Gradients are averaged in buckets that start during backward (distributed/gradient_reducer.h).
        tape.backward(loss, reducer.get());
        if (reducer) {
          reducer->finish();
          communication += reducer->takeCommunicationSeconds();
        }
        if (tc.gradClipNorm > 0.0) clipGradNorm(arena, tc.gradClipNorm);
        optimizer_.step(arena, static_cast<float>(lr));
      }
      ++step;
      timed += comm_.allReduceMax(secondsSince(t0));
      // ---- end of timed region ----

      lossSinceEval += lossValue;
      ++stepsSinceEval;
      runningLoss = step == 1 ? lossValue : 0.95 * runningLoss + 0.05 * lossValue;

      if (progress_) {
        const Clock::time_point l = Clock::now();
        progress.step = step;
        progress.epoch = workload_.epochsDone();
        progress.loss = runningLoss;
        progress.timedSeconds = timed;
        progress.learningRate = lr;
        progress_->onStep(progress);
        loggingSeconds += secondsSince(l);
      }

      const bool stepDue = tc.evalEverySteps > 0 && step % tc.evalEverySteps == 0;
      const bool timeDue = tc.evalEverySeconds > 0.0 && timed - lastEvalTimed >= tc.evalEverySeconds;
      const bool outOfSteps = step >= tc.maxSteps;
      const bool outOfTime = timed >= tc.maxRuntimeS;
      if (stepDue || timeDue || outOfSteps || outOfTime) doEval();
      if (stop) break;
      if (outOfSteps) {
        result.status = TrialStatus::kMaxSteps;
        result.statusMessage = "step budget of " + std::to_string(tc.maxSteps) + " exhausted before the target";
        break;
      }
      if (outOfTime) {
        result.status = TrialStatus::kMaxRuntime;
        result.statusMessage = "runtime budget of " + std::to_string(tc.maxRuntimeS) + " timed seconds exhausted before the target";
        break;
      }
    }

  } catch (const std::exception& e) {
    // A trial that throws is a failed trial with its message, not a lost one:
    // the curve so far is kept and the caller records it.
    result.status = TrialStatus::kFailed;
    result.statusMessage = std::string("failed at step ") + std::to_string(step) + ": " + e.what();
    result.timeToResultSeconds = std::numeric_limits<double>::infinity();
    result.stepsToResult = -1;
  }

  result.steps = step;
  result.epochs = workload_.epochsDone();
  result.timedSeconds = timed;
  result.evalSeconds = evalSeconds;
  result.loggingSeconds = loggingSeconds;
  result.communicationSeconds = comm_.allReduceMax(communication);
  result.wallSeconds = secondsSince(wallStart) + setupSeconds;
  return result;
}

}  // namespace gaplab
