// sweeps/sweep_spec.h — a sweep YAML, validated: what to train (a base run
// config plus per-submission overrides and search spaces), how to sample it,
// and how to run it (ranks per trial, retries, early stopping, checkpoints).
//
// Why: a typo in a sweep must fail in a second, with file:line and key, not
// after an hour of trials. Every key is read here once; unknown keys are errors.
//
//   name: sweep_quick                 # default: the file's stem
//   base: fmnist_mlp.yaml             # run config, relative to this file
//   set: {training.max_steps: 1500}   # overrides for every trial
//   sampler: halton                   # grid | random | halton | sobol | bayes
//   sampler_seed: 0
//   trials: 3                         # per submission and study (grid: all points)
//   studies: 2                        # AlgoPerf studies: study s trains with seed + s
//   seed: 0
//   objective: time_to_result         # what bayes minimises and "best" means
//   ranks_per_trial: 1
//   threads_per_rank: 0               # 0: the node's cores / worker ranks on the node
//   max_retries: 1                    # reruns of a trial that failed (not diverged)
//   checkpoint_every_s: 60            # timed seconds between trial checkpoints; 0: off
//   submissions:                      # or top-level space/derived: one submission "default"
//     adamw: {set: {optimizer.name: adamw}, space: {optimizer.lr: {log_uniform: [1e-4, 1e-2]}}}
//   early_stopping: {asha: {reduction_factor: 3, min_resource: 200, max_resource: 2000, unit: steps}}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweeps/asha.h"
#include "sweeps/sampler.h"
#include "sweeps/search_space.h"

namespace gaplab {

// What "better" means for a trial: bayes minimises it, the progress line and
// the final table rank by it.
enum class SweepObjective {
  kTimeToResult,           // timed seconds to the target (inf when missed)
  kFinalValidationMetric,  // the workload's metric at the last evaluation (its own direction)
  kFinalValidationLoss,    // lower is better
};
const char* sweepObjectiveName(SweepObjective objective);

// AlgoPerf's two rulesets: external tuning samples `trials` points of the space
// per study; a self-tuning submission has no space and runs one trial per study.
enum class SubmissionTuning { kExternal, kSelf };

struct SubmissionSpec {
  std::string name;
  std::vector<std::string> overrides;  // its `set:` as "key=value"
  SearchSpace space;
  SubmissionTuning tuning = SubmissionTuning::kExternal;
  std::string where;                   // "file:line: key" of its definition, for messages
  std::string definitionText;          // its space and derived as flow YAML: part of the sweep's identity

  // Reads `set:`, `space:` and `derived:` of `section` (`node` is the same mapping);
  // other keys of the section are left for the caller. Throws ConfigError with file:line.
  static SubmissionSpec parse(std::string name, const ConfigSection& section, const YAML::Node& node, std::string where);
};

struct SweepSpec {
  std::string path;                    // the sweep file
  std::string name;
  std::string basePath;                // resolved against the sweep file's directory
  std::string baseYaml;                // its text (trials are built from the text, not the path)
  std::string workload;                // the base config's workload
  std::vector<std::string> overrides;  // top-level `set:`
  SamplerKind sampler = SamplerKind::kHalton;
  uint64_t samplerSeed = 0;
  int64_t trials = 1;
  int studies = 1;
  uint64_t seed = 0;
  SweepObjective objective = SweepObjective::kTimeToResult;
  int ranksPerTrial = 1;
  int threadsPerRank = 0;
  int maxRetries = 1;
  double checkpointEverySeconds = 60.0;
  std::vector<SubmissionSpec> submissions;
  std::optional<AshaConfig> asha;
  // Hash of everything that defines the trials (base text, overrides,
  // sampler, spaces, seeds, studies); execution settings (ranks, threads,
  // retries, checkpoints) are left out so a sweep can resume on another layout.
  std::string sweepId;
  std::string definitionYaml;          // the sweep file's text, stored with the results

  // Throws ConfigError naming file:line and key for every mistake: a missing
  // base, unknown keys, an empty search space with a sampler that samples, a
  // bad sampler name, bad bounds (SearchSpace), trials < 1, ...
  static SweepSpec load(const std::string& path);

  // The checks load() makes after reading the keys, for a spec built in code
  // (gaplab benchmark): the base config with the overrides is valid (sets
  // `workload`), every submission's trials have known keys and something to
  // sample, and `sweepId` is computed. Throws ConfigError naming the submission's `where`.
  void finish();
};

}  // namespace gaplab
