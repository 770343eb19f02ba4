// cli/sweep_command.cpp — `gaplab sweep SWEEP.yaml`: validate the sweep, show
// what it would run (--dry-run), or run it on every rank mpirun/srun gave us,
// with a live progress line and a table of the best trials at the end.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/format_duration.h"
#include "cli/signals.h"
#include "cli/sweep_launch.h"
#include "cli/sweep_progress.h"
#include "distributed/mpi_communicator.h"
#include "sweeps/result_store.h"
#include "sweeps/sweep_scheduler.h"
#include "sweeps/trial_plan.h"

namespace gaplab::cli {
namespace {

std::string defaultResultsPath(const SweepSpec& spec) { return "results/" + spec.name + ".h5"; }

}  // namespace

int printSweepPlan(const SweepSpec& spec, const std::string& out) {
  std::vector<TrialResult> done;
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    try {
      if (ResultStore::readAttribute(out, "gaplab_sweep_id").value_or("") == spec.sweepId) done = ResultStore::readAll(out);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gaplab sweep: note: cannot read %s (%s); listing every trial\n", out.c_str(), e.what());
    }
  }
  TrialPlan plan(spec, done);
  std::printf("sweep %s (id %s): workload %s, sampler %s (seed %llu), %zu submission(s) x %d stud%s\n",
              spec.name.c_str(), spec.sweepId.c_str(), spec.workload.c_str(), samplerKindName(spec.sampler),
              static_cast<unsigned long long>(spec.samplerSeed), spec.submissions.size(), spec.studies,
              spec.studies == 1 ? "y" : "ies");
  std::printf("%lld trial(s) in all, %lld already in %s, ranks_per_trial %d, max_retries %d%s\n",
              static_cast<long long>(plan.total()), static_cast<long long>(plan.alreadyDone()), out.c_str(),
              spec.ranksPerTrial, spec.maxRetries, spec.asha ? ", ASHA early stopping" : "");
  if (spec.sampler == SamplerKind::kBayes) {
    std::printf("bayes proposes each trial from the results before it; the first proposals:\n");
  }
  std::vector<PlannedTrial> trials = plan.remainingInOrder();
  if (spec.sampler == SamplerKind::kBayes)
    while (std::optional<PlannedTrial> t = plan.next()) trials.push_back(std::move(*t));
  double totalCost = 0.0;
  for (const PlannedTrial& t : trials) totalCost += t.estimatedCost;
  std::printf("%-16s %-12s %5s %6s %12s  %s\n", "trial", "submission", "study", "seed", "est. cost", "parameters");
  for (const PlannedTrial& t : trials)
    std::printf("%-16s %-12s %5d %6llu %12.3g  %s\n", t.id.c_str(), t.submissionName.c_str(), t.study,
                static_cast<unsigned long long>(t.seed), t.estimatedCost, t.parameters.c_str());
  std::printf("estimated cost: workload units (about 6 x parameters x examples for dense models); total %.3g, "
              "dispatched longest first\n", totalCost);
  return kExitOk;
}

namespace {

void printBestTrials(const SweepSpec& spec, const SweepOutcome& outcome, const std::string& out) {
  std::vector<const TrialResult*> ranked;
  for (const TrialResult& r : outcome.trials) ranked.push_back(&r);
  std::stable_sort(ranked.begin(), ranked.end(), [&](const TrialResult* a, const TrialResult* b) {
    return TrialPlan::objectiveOf(spec, *a) < TrialPlan::objectiveOf(spec, *b);
  });
  std::printf("\nbest trials by %s:\n", sweepObjectiveName(spec.objective));
  std::printf("%-16s %-12s %5s %-15s %10s %9s %9s  %s\n", "trial", "submission", "study", "status", "ttr", "val",
              "gap", "parameters");
  const std::size_t shown = std::min<std::size_t>(ranked.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) {
    const TrialResult& r = *ranked[i];
    const EvalRecord* e = r.finalEval();
    std::printf("%-16s %-12s %5d %-15s %10s %9.4f %+9.4f  %s\n", r.trialId.c_str(), r.submission.c_str(), r.study,
                toString(r.status).c_str(), r.reachedTarget() ? formatDuration(r.timeToResultSeconds).c_str() : "inf",
                e ? e->validationMetric : NAN, e ? e->metricGap() : NAN, r.parameters.c_str());
  }
  const SweepStatus& s = outcome.status;
  std::printf("%lld of %lld trials in %s (%lld this run, %lld failed, %lld stopped early, %lld retried) in %s on %d group(s)\n",
              static_cast<long long>(s.alreadyDone + s.recorded), static_cast<long long>(s.total), out.c_str(),
              static_cast<long long>(s.recorded), static_cast<long long>(s.failed),
              static_cast<long long>(s.stoppedEarly), static_cast<long long>(s.retries),
              formatDuration(s.elapsedSeconds).c_str(), s.groups);
  std::printf("next: gaplab status %s | gaplab score %s | gaplab export %s --csv DIR\n", out.c_str(), out.c_str(),
              out.c_str());
}

// "K/N" -> {K, N}; std::invalid_argument (exit 2) for anything else.
SweepShard parseShard(const std::string& text) {
  SweepShard shard;
  if (text.empty()) return shard;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &shard.index, &shard.count, &extra) != 2 || shard.count < 1 ||
      shard.index < 0 || shard.index >= shard.count)
    throw std::invalid_argument("--shard " + text + ": expected K/N with 0 <= K < N, e.g. --shard 2/8");
  return shard;
}

}  // namespace

int sweepCommand(const SweepOptions& options) {
  const SweepShard shard = parseShard(options.shard);
  const SweepSpec spec = SweepSpec::load(options.sweepPath);  // ConfigError -> exit 2 in main
  std::string out = options.outPath.empty() ? defaultResultsPath(spec) : options.outPath;
  if (options.dryRun) return printSweepPlan(spec, out);  // writes nothing, not even the default results/ folder
  const SweepWorld world = startSweepWorld(out);
  const int worldSize = world.worldSize;
  const bool coordinator = world.coordinator();
  SweepProgressLine progress(stderr, coordinator ? parseProgressStyle(options.progress) : ProgressStyle::kQuiet,
                             spec.objective);
  SweepRunOptions run;
  run.resultsPath = out;
  run.append = options.append;
  run.stop = world.stop;
  run.progress = &progress;
  run.shard = shard;
  if (coordinator)
    std::fprintf(stderr, "gaplab sweep: %s (%s), %d rank(s), ranks_per_trial %d, results -> %s\n", spec.name.c_str(),
                 options.sweepPath.c_str(), worldSize, spec.ranksPerTrial, out.c_str());
  SweepOutcome outcome;
  try {
    outcome = runSweep(spec, run, worldSize);
  } catch (const std::exception& e) {
    progress.finish();
    return failSweep(world, "gaplab sweep", e);
  }
  progress.finish();
  if (!coordinator) return outcome.interrupted ? kExitInterrupted : kExitOk;
  printBestTrials(spec, outcome, out);
  if (outcome.interrupted) {
    std::fprintf(stderr,
                 "gaplab sweep: stopped by signal %d; %lld running trial(s) checkpointed. Run the same command again "
                 "to continue.\n",
                 lastStopSignal(), static_cast<long long>(outcome.status.interrupted));
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace gaplab::cli
