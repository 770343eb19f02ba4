// sweeps/benchmark_plan.h — what `gaplab benchmark` runs: one sweep per
// workload, with one sweep submission per submission file.
//
// Why: the AlgoPerf protocol (each submission tuned on each workload: Halton
// trials x studies, or one trial per study for self-tuning with its larger
// budget) is exactly a set of sweeps, so it runs through the sweep scheduler
// (MPI, checkpoints, resume) and lands in one results file that `gaplab score`
// reads. This file decides the suites and builds those SweepSpecs; every input
// error (unknown workload, a workload without a target, a bad submission) is
// thrown before anything runs.
#pragma once

#include <string>
#include <vector>

#include "sweeps/benchmark_submission.h"
#include "sweeps/sweep_spec.h"

namespace gaplab {

struct BenchmarkSuite {
  std::string name;
  std::vector<std::string> workloads;
  int studies = 1;
  int64_t trials = 1;           // Halton trials per study (external tuning)
  int64_t maxStepsCap = 0;      // 0: the workload's budget; else min(budget, cap)
  double maxRuntimeCapS = 0.0;  // 0: the workload's budget; else min(budget, cap)
  // `--set key=value` for every workload (tiny data subsets, threads, tests); part of the trials' identity.
  std::vector<std::string> workloadOverrides;
};

// "quick" (fits a 2-core machine in under 20 minutes) or "full" (every workload with a
// target; for clusters). std::invalid_argument for another name.
BenchmarkSuite benchmarkSuite(const std::string& name);

// The sweeps of a benchmark, one per workload in suite order. Throws
// std::invalid_argument for an unknown workload or no submissions, ConfigError
// for a workload without a target ("workload X has no target yet; set it with
// scripts/set_targets.sh ...") and for a submission whose keys a workload's
// config rejects (file:line of the submission).
std::vector<SweepSpec> planBenchmark(const BenchmarkSuite& suite, const std::vector<BenchmarkSubmission>& submissions);

}  // namespace gaplab
