// workloads/trainer.cpp — see trainer.h for the protocol.
#include "workloads/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/device_graph.h"
#include "core/device_memory.h"
#include "core/optim/grad_clip.h"
#include "distributed/gradient_reducer.h"
#include "workloads/weight_distance.h"

namespace gaplab {
namespace {

using Clock = std::chrono::steady_clock;
// Eager steps before the training step is captured as a CUDA graph: the caching
// allocator and cuBLAS have then allocated everything the step needs.
constexpr int64_t kGraphWarmupSteps = 3;

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

TrialResult Trainer::run(double setupSeconds, const std::atomic<bool>* stopRequested, const CheckpointPlan* checkpoints) {
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

  ParameterArena& arena = workload_.arena();
  const CheckpointIdentity identity{result.trialId, result.configYaml, comm_.size()};
  const bool checkpointing = checkpoints && !checkpoints->path.empty();

  // The loop's whole state lives in `st`, so that a checkpoint is one struct.
  TrainerState st;
  st.setupSeconds = setupSeconds;
  st.startedAtUnix = static_cast<int64_t>(std::time(nullptr));
  if (checkpointing && checkpoints->resume) {
    st = TrialCheckpoint::load(checkpoints->path, identity, comm_.rank(), arena);
    ++st.resumes;
    optimizer_.setStepCount(st.optimizerSteps);
    workload_.seekTrainingData(st.step);
  }
  // ||w_t - w_0|| needs w_0: taken here at step 0, or restored with the checkpoint.
  const bool trackDistance = tc.weightDistance == WeightDistanceTracking::kOn;
  if (trackDistance && st.step == 0 && st.initialValues.empty()) st.initialValues = snapshotParameters(arena);
  if (trackDistance && st.initialValues.empty())
    throw CheckpointError("checkpoint " + checkpoints->path + " holds no /initial_values, but training.track_weight_distance "
                          "is true: the distance from initialisation cannot be continued (start the run afresh)");
  if (!trackDistance) st.initialValues.clear();
  result.startedAtUnix = st.startedAtUnix;
  result.setupSeconds = st.setupSeconds;
  const double wallBefore = st.wallSeconds;  // wall clock of earlier sessions of this trial

  if (progress_) {
    char target[96];
    std::snprintf(target, sizeof target, "validation %s %s %g", result.metricName.c_str(),
                  result.targetDirection == TargetDirection::kAtLeast ? ">=" : "<=", result.targetValue);
    progress_->onStart(workload_.describeModel(), workload_.describeData(), target);
  }
  const Clock::time_point wallStart = Clock::now();
  int64_t& step = st.step;
  double& timed = st.timedSeconds;
  double lr = schedule_.learningRate(step);
  double lastCheckpointTimed = timed;
  TrainingProgress progress;
  progress.maxSteps = tc.maxSteps;
  progress.maxRuntimeSeconds = tc.maxRuntimeS;
  progress.metricName = workload_.metricName();
  if (!st.curve.empty()) progress.lastEval = &st.curve.back();
  bool stop = false;
  std::unique_ptr<GradientReducer> reducer;  // data parallel only; built once per run
  // training.cuda_graph: whether this run can use it, and its graph once captured.
  struct GraphState {
    bool enabled = false;
    std::string reason;  // why no graph is used (not possible, or capture refused)
    std::unique_ptr<DeviceGraph> graph;
    Tensor loss;  // the graph's loss output, read after every replay
    int64_t eagerSteps = 0, replays = 0;
  } graphs;
  if (tc.cudaGraph) {
    const std::string blocker = workload_.graphCaptureBlocker();
    if (comm_.size() > 1)
      graphs.reason = "data-parallel steps (gradient all-reduce) are not captured";
    else if (tc.gradClipNorm > 0.0)
      graphs.reason = "gradient clipping reads the norm back to the host every step";
    else if (!blocker.empty())
      graphs.reason = blocker;
    graphs.enabled = graphs.reason.empty();
  }
  if (comm_.size() > 1)
    reducer = std::make_unique<GradientReducer>(
        arena, comm_, static_cast<int64_t>(config_.distributed.bucketMb * 1024.0 * 1024.0));

  auto saveCheckpoint = [&]() {
    const Clock::time_point c = Clock::now();
    st.optimizerSteps = optimizer_.stepCount();
    st.wallSeconds = wallBefore + secondsSince(wallStart);
    TrialCheckpoint::save(checkpoints->path, identity, checkpoints->origin, st, arena, comm_);
    lastCheckpointTimed = timed;
    st.checkpointSeconds += comm_.allReduceMax(secondsSince(c));
  };

  auto doEval = [&]() {
    const Clock::time_point t = Clock::now();
    const double trainLoss = st.stepsSinceEval ? st.lossSinceEval / static_cast<double>(st.stepsSinceEval) : st.runningLoss;
    EvalRecord rec = evaluate(step, timed, wallBefore + secondsSince(wallStart), trainLoss, lr);
    if (trackDistance) rec.extras.push_back({kWeightDistanceMetric, weightDistance(arena, st.initialValues)});
    st.curve.push_back(rec);
    st.lossSinceEval = 0.0;
    st.stepsSinceEval = 0;
    st.lastEvalTimed = timed;
    st.evalSeconds += secondsSince(t);
    if (progress_) {
      const Clock::time_point l = Clock::now();
      progress.lastEval = &st.curve.back();
      progress_->onEval(progress, rec);
      st.loggingSeconds += secondsSince(l);
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
    if (!stop && monitor_ && !monitor_->shouldContinue(rec)) {
      result.status = TrialStatus::kStoppedEarly;
      result.statusMessage = "stopped early at step " + std::to_string(step) + " by the sweep's early-stopping rule";
      stop = true;
    }
  };

  // The ranks of a trial must take the same branch every step: a local
  // divergence or stop request is agreed on with one max-reduction first.
  enum StepFlag { kContinue = 0, kStopRequested = 1 };
  auto agreed = [&](int flag) {
    return comm_.size() > 1 ? static_cast<int>(comm_.allReduceMax(static_cast<double>(flag))) : flag;
  };

  try {
    // The model before any update (untimed, like every evaluation): where a
    // continued run starts from. Not again after a resume.
    if (tc.evalAtStart && step == 0 && st.curve.empty()) doEval();
    while (!stop) {
      if (agreed(stopRequested && stopRequested->load() ? kStopRequested : kContinue) == kStopRequested) {
        result.status = TrialStatus::kInterrupted;
        result.statusMessage = "interrupted by a signal at step " + std::to_string(step);
        if (checkpointing && checkpoints->onInterrupt) {
          saveCheckpoint();
          result.statusMessage += "; checkpoint " + checkpoints->path;
        }
        break;
      }
      // ---- timed region: data, forward, backward, all-reduce, optimizer ----
      const Clock::time_point t0 = Clock::now();
      double lossValue = 0.0;
      if (graphs.enabled) {
        // training.cuda_graph: the staged step (see workload.h), captured once after
        // a few eager steps (caches filled) and replayed; eager when capture failed.
        lr = schedule_.learningRate(step);
        workload_.stageBatch(step);
        optimizer_.stageStep(arena, static_cast<float>(lr));
        auto stagedStep = [&]() -> Tensor {
          arena.zeroGrad();
          Tape tape;
          Variable loss = workload_.forwardStaged(tape, step);
          tape.backward(loss);
          optimizer_.enqueueUpdate(arena);
          return loss.value();
        };
        if (!graphs.graph && graphs.reason.empty() && graphs.eagerSteps >= kGraphWarmupSteps) {
          try {
            graphs.graph = captureDeviceGraph([&] { graphs.loss = stagedStep(); });
          } catch (const DeviceGraphCaptureError& e) {
            graphs.reason = e.what();  // e.g. dropout draws its mask on the host every step
          }
        }
        if (graphs.graph) {
          graphs.graph->launch();
          lossValue = graphs.loss.item();
          ++graphs.replays;
        } else {
          lossValue = stagedStep().item();
          ++graphs.eagerSteps;
        }
        synchronizeDevice();
        if (!std::isfinite(lossValue)) {
          timed += secondsSince(t0);
          result.status = TrialStatus::kDiverged;
          result.statusMessage = "training loss became " + std::to_string(lossValue) + " at step " +
                                 std::to_string(step) + " (learning rate " + std::to_string(lr) + ")";
          break;
        }
      } else {
        lr = schedule_.learningRate(step);
        arena.zeroGrad();
        Tape tape;  // freed (activations back to the allocator) inside the timed region
        // With several ranks, a forward that throws on some of them only (a GPU out
        // of memory where trials share the GPU) must not leave the others waiting
        // in the loss sum below: the failing rank contributes NaN to it, and the
        // ranks then agree on who failed and all fail the trial together.
        Variable loss;
        std::exception_ptr forwardFailure;
        try {
          loss = workload_.trainForward(tape, step);
          lossValue = loss.value().item();
        } catch (...) {
          if (comm_.size() == 1) throw;
          forwardFailure = std::current_exception();
          lossValue = std::numeric_limits<double>::quiet_NaN();
        }
        // The loss of the global batch: every rank holds an equal share, so the mean
        // of the ranks' losses. One sum also agrees on divergence: a NaN or inf on
        // any rank makes the sum non-finite on all of them.
        if (comm_.size() > 1) lossValue = comm_.allReduceSum(lossValue) / static_cast<double>(comm_.size());
        if (!std::isfinite(lossValue)) {
          timed += comm_.allReduceMax(secondsSince(t0));
          if (comm_.size() > 1) {
            const double failedRanks = comm_.allReduceSum(forwardFailure ? 1.0 : 0.0);
            if (forwardFailure) std::rethrow_exception(forwardFailure);
            if (failedRanks > 0.0)
              throw std::runtime_error("the forward pass failed on " + std::to_string(static_cast<int>(failedRanks)) +
                                       " other rank(s) of this trial (see their message)");
          }
          result.status = TrialStatus::kDiverged;
          result.statusMessage = "training loss became " + std::to_string(lossValue) + " at step " +
                                 std::to_string(step) + " (learning rate " + std::to_string(lr) + ")";
          break;
        }
        // Gradients are averaged in buckets that start during backward (distributed/gradient_reducer.h).
        tape.backward(loss, reducer.get());
        if (reducer) {
          reducer->finish();
          st.communicationSeconds += reducer->takeCommunicationSeconds();
        }
        if (tc.gradClipNorm > 0.0) clipGradNorm(arena, tc.gradClipNorm);
        optimizer_.step(arena, static_cast<float>(lr));
        // GPU work is queued asynchronously: the timed region ends when it is done.
        if (arena.device() != Device::kCpu) synchronizeDevice();
      }
      ++step;
      timed += comm_.allReduceMax(secondsSince(t0));
      // ---- end of timed region ----

      st.lossSinceEval += lossValue;
      ++st.stepsSinceEval;
      st.runningLoss = step == 1 ? lossValue : 0.95 * st.runningLoss + 0.05 * lossValue;

      if (progress_) {
        const Clock::time_point l = Clock::now();
        progress.step = step;
        progress.epoch = workload_.epochsDone();
        progress.loss = st.runningLoss;
        progress.timedSeconds = timed;
        progress.learningRate = lr;
        progress_->onStep(progress);
        st.loggingSeconds += secondsSince(l);
      }

      const bool stepDue = tc.evalEverySteps > 0 && step % tc.evalEverySteps == 0;
      const bool timeDue = tc.evalEverySeconds > 0.0 && timed - st.lastEvalTimed >= tc.evalEverySeconds;
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
      if (checkpointing) {
        const bool byStep = checkpoints->everySteps > 0 && step % checkpoints->everySteps == 0;
        const bool byTime = checkpoints->everyTimedSeconds > 0.0 && timed - lastCheckpointTimed >= checkpoints->everyTimedSeconds;
        if (byStep || byTime) saveCheckpoint();
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

  // The final state, for runs that others continue from (model.init_from).
  if (checkpointing && checkpoints->onFinish && result.status != TrialStatus::kFailed &&
      result.status != TrialStatus::kInterrupted)
    saveCheckpoint();
  if (tc.cudaGraph)
    result.statusMessage += graphs.replays > 0 ? "; CUDA graph replayed for " + std::to_string(graphs.replays) + " steps"
                                               : "; training.cuda_graph not used: " +
                                                     (graphs.reason.empty() ? std::string("fewer steps than the warm-up")
                                                                            : graphs.reason);
  if (st.resumes > 0)
    result.statusMessage += " (resumed " + std::to_string(st.resumes) + (st.resumes == 1 ? " time)" : " times)");
  result.curve = std::move(st.curve);
  result.steps = step;
  result.epochs = workload_.epochsDone();
  result.timedSeconds = timed;
  result.evalSeconds = st.evalSeconds;
  result.loggingSeconds = st.loggingSeconds;
  result.checkpointSeconds = st.checkpointSeconds;
  result.communicationSeconds = comm_.allReduceMax(st.communicationSeconds);
  result.wallSeconds = wallBefore + secondsSince(wallStart) + st.setupSeconds;
  return result;
}

}  // namespace gaplab
