// cli/benchmark_command.cpp — `gaplab benchmark SUBMISSIONS.yaml... --suite quick|full`:
// the AlgoPerf-style benchmark, run as one sweep per workload through the sweep
// scheduler (MPI-aware exactly like `gaplab sweep`) into one results file, then
// scored by `gaplab score`.
//
// Why a command of its own: the protocol (suites, submissions, targets, budgets)
// must be one command that is hard to get wrong; everything it runs and prints
// is the sweep and score machinery, reused, not copied.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/sweep_launch.h"
#include "cli/signals.h"
#include "cli/sweep_progress.h"
#include "distributed/mpi_communicator.h"
#include "sweeps/benchmark_plan.h"
#include "sweeps/sweep_scheduler.h"

namespace gaplab::cli {
namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

BenchmarkSuite suiteOf(const BenchmarkCliOptions& options) {
  if (!options.suite.empty() && !options.workloads.empty())
    throw std::invalid_argument("gaplab benchmark: give --suite or --workloads, not both");
  BenchmarkSuite suite = benchmarkSuite(options.suite.empty() ? "quick" : options.suite);
  if (!options.workloads.empty()) {
    suite.name = "custom";
    suite.workloads = splitList(options.workloads);
    if (suite.workloads.empty()) throw std::invalid_argument("--workloads: expected a comma-separated list of workloads");
    suite.maxStepsCap = 0;
    suite.maxRuntimeCapS = 0;
  }
  suite.workloadOverrides = options.overrides;
  if (options.studies > 0) suite.studies = options.studies;
  if (options.trials > 0) suite.trials = options.trials;
  return suite;
}

}  // namespace

int benchmarkCommand(const BenchmarkCliOptions& options) {
  // Everything is read and checked before anything runs: ConfigError / invalid_argument -> exit 2 in main.
  const BenchmarkSuite suite = suiteOf(options);
  std::vector<BenchmarkSubmission> submissions;
  for (const std::string& path : options.submissionPaths) submissions.push_back(BenchmarkSubmission::load(path));
  const std::vector<SweepSpec> sweeps = planBenchmark(suite, submissions);
  const std::string out = options.outPath.empty() ? "results/benchmark_" + suite.name + ".h5" : options.outPath;

  if (options.dryRun) {
    for (const SweepSpec& spec : sweeps) {
      printSweepPlan(spec, out);
      std::printf("\n");
    }
    return kExitOk;
  }
  const SweepWorld world = startSweepWorld(out);
  const int worldSize = world.worldSize;
  const bool coordinator = world.coordinator();
  if (coordinator)
    std::fprintf(stderr, "gaplab benchmark: suite %s, %zu workload(s) x %zu submission(s), %d stud%s x %lld trial(s), "
                         "%d rank(s), results -> %s\n",
                 suite.name.c_str(), sweeps.size(), submissions.size(), suite.studies, suite.studies == 1 ? "y" : "ies",
                 static_cast<long long>(suite.trials), worldSize, out.c_str());
  for (const SweepSpec& spec : sweeps) {
    SweepProgressLine progress(stderr, coordinator ? parseProgressStyle(options.progress) : ProgressStyle::kQuiet,
                               spec.objective);
    SweepRunOptions run;
    run.resultsPath = out;
    run.append = true;  // one file for every workload's sweep; a rerun skips the trials it holds
    run.stop = world.stop;
    run.progress = &progress;
    if (coordinator) std::fprintf(stderr, "gaplab benchmark: workload %s\n", spec.workload.c_str());
    SweepOutcome outcome;
    try {
      outcome = runSweep(spec, run, worldSize);
    } catch (const std::exception& e) {
      progress.finish();
      return failSweep(world, "gaplab benchmark", e);
    }
    progress.finish();
    if (outcome.interrupted) {
      if (coordinator)
        std::fprintf(stderr, "gaplab benchmark: stopped by signal %d; run the same command again to continue.\n",
                     lastStopSignal());
      return kExitInterrupted;
    }
    if (coordinator)
      std::fprintf(stderr, "gaplab benchmark: %s: %lld of %lld trials in the file (%lld this run, %lld failed)\n",
                   spec.workload.c_str(), static_cast<long long>(outcome.status.alreadyDone + outcome.status.recorded),
                   static_cast<long long>(outcome.status.total), static_cast<long long>(outcome.status.recorded),
                   static_cast<long long>(outcome.status.failed));
  }
  if (!coordinator) return kExitOk;

  std::printf("\n");
  ScoreOptions score;
  score.resultsPaths = {out};
  if (!options.plotDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.plotDir, ec);
    score.plotPath = (std::filesystem::path(options.plotDir) / "performance_profiles.png").string();
  }
  return scoreCommand(score);
}

}  // namespace gaplab::cli
