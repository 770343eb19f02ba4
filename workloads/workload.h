// workloads/workload.h — what the trainer needs from a task: a model in an arena,
// a timed training forward, and untimed evaluation.
//
// Why: the trainer implements the AlgoPerf timing protocol once; every workload
// (image classification now, language models next) plugs into it. Data
// selection happens inside trainForward so that it is timed, as the protocol says.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"
#include "workloads/trial_result.h"

namespace gaplab {

enum class EvalSplit { kEvalTrain, kValidation };

struct EvalResult {
  double loss = 0.0;    // mean loss over the split (no label smoothing)
  double metric = 0.0;  // the workload's metric (accuracy for classification)
  int64_t examples = 0;
  std::vector<NamedMetric> extras;  // further metrics, named without the split prefix
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual ParameterArena& arena() = 0;
  virtual std::string describeModel() const = 0;
  // One line about the data (sizes; for text, the unigram entropy to compare targets with).
  virtual std::string describeData() const = 0;
  // The workload's metric ("accuracy", "bits_per_byte") and which way is better.
  virtual std::string metricName() const = 0;
  virtual TargetDirection metricDirection() const = 0;
  // Draws the next training batch of this rank and returns the scalar loss (timed).
  virtual Variable trainForward(Tape& tape, int64_t step) = 0;
  // Evaluates the whole split in eval mode (untimed by the caller).
  virtual EvalResult evaluate(EvalSplit split) = 0;
  virtual double epochsDone() const = 0;
  virtual int64_t examplesPerStep() const = 0;
  // Steps allowed by a data budget (e.g. an exact token budget); 0: none. When
  // set, it replaces training.max_steps (single_run.cpp).
  virtual int64_t stepBudget() const { return 0; }
  // Resume: positions the training data so that the next trainForward draws the
  // batch an uninterrupted run draws at global step `step` (every rank its own
  // shard of it). Batches are a pure function of (seed, step, rank), so this is
  // the whole data state a checkpoint needs.
  virtual void seekTrainingData(int64_t step) = 0;
  // Moves the model (its arena) to `device` and makes every later batch go there
  // (`device: cuda`). Called once, after construction and before training. The
  // default refuses anything but the cpu, naming the workload.
  virtual void useDevice(Device device) {
    if (device != Device::kCpu)
      throw std::invalid_argument("this workload runs on the cpu only (device: " + toString(device) + " refused)");
  }

  // CUDA graphs (training.cuda_graph, core/device_graph.h). A workload that can
  // train from device buffers it owns splits trainForward in two: stageBatch
  // draws the batch of `step` and copies it into those buffers (host work,
  // timed), forwardStaged runs model and loss on them with no host data, so the
  // trainer can capture it once and replay it. graphCaptureBlocker() is empty
  // when the workload supports this, else why not.
  virtual std::string graphCaptureBlocker() const { return "the workload has no staged training batch"; }
  virtual void stageBatch(int64_t step) {
    (void)step;
    throw std::logic_error("stageBatch: " + graphCaptureBlocker());
  }
  virtual Variable forwardStaged(Tape& tape, int64_t step) {
    (void)tape;
    (void)step;
    throw std::logic_error("forwardStaged: " + graphCaptureBlocker());
  }
};

}  // namespace gaplab
