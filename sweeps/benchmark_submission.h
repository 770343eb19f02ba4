// sweeps/benchmark_submission.h — one AlgoPerf-style submission file: a training
// algorithm (optimizer, its schedule and regularisation) with either a search
// space (external tuning) or one fixed configuration (self-tuning).
//
// Why its own file format: a submission is workload-agnostic — it names no
// workload, budget or target — and `gaplab benchmark` runs it on every workload
// of a suite. It reuses the sweep file's `set:`/`space:`/`derived:` syntax
// (sweeps/search_space.h) and is validated here, with file:line and key, before
// anything runs:
//
//   name: nadamw                  # default: the file's stem
//   optimizer: nadamw             # sgd | momentum | nesterov | adamw | nadamw | lamb
//   tuning: external              # external (space required) | self (no space)
//   budget_factor: 3              # self-tuning only: x max_steps and max_runtime_s (AlgoPerf: 3)
//   set: {schedule.name: warmup_cosine}
//   space: {optimizer.lr: {log_uniform: [1.0e-4, 1.0e-2]}, _one_minus_beta1: {log_uniform: [0.01, 0.5]}}
//   derived: {optimizer.beta1: "1 - _one_minus_beta1"}
//
// Keys a submission may set: optimizer.*, schedule.*, training.batch_size,
// training.label_smoothing, training.grad_clip_norm, model.dropout, and helper
// keys starting with '_'. Anything else (the target, the budget, the model) is
// the workload's and is refused.
#pragma once

#include <string>
#include <vector>

#include "sweeps/sweep_spec.h"

namespace gaplab {

struct BenchmarkSubmission {
  std::string path;
  std::string name;
  std::string optimizer;
  SubmissionTuning tuning = SubmissionTuning::kExternal;
  double budgetFactor = 1.0;
  // Its set (led by optimizer.name), space and derived; `where` is "path:line: name".
  SubmissionSpec spec;
  std::string text;  // the file, stored with the results

  // Throws ConfigError naming file:line and key: a missing or unknown optimizer,
  // a key a submission may not set, an external submission without a space, a
  // self-tuning one with a space, budget_factor on an external one, unknown keys.
  static BenchmarkSubmission load(const std::string& path);
};

// True for the keys a submission may set (see above).
bool isSubmissionKey(const std::string& key);

}  // namespace gaplab
