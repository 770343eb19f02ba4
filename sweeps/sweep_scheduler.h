// sweeps/sweep_scheduler.h — runs a sweep on every rank it is given.
//
// Why (DESIGN.md "Sweeps and results", "Distributed"): one command fans a sweep
// out over an allocation and keeps every rank busy. World rank 0 coordinates:
// it owns the TrialPlan, the ASHA rungs and the results file (the only
// writer). The other ranks form groups of `ranks_per_trial` (RankGroups); each
// group's leader asks for a trial, the group trains it data parallel, the
// leader sends the result back and gets the next one. No barrier between
// trials: a free group gets the next trial at once, longest first. Waiting
// ranks sleep with back-off (MessageChannel), so the coordinator does not eat
// a core. With one process (no mpirun) the same loop runs the trials in turn.
//
// Failures: a trial that throws is a failed trial with its message (retried up
// to max_retries); a diverged one is recorded as diverged. A stop signal stops
// dispatching; running trials checkpoint and are not recorded, so a rerun of
// the same sweep resumes them (and skips every trial already in the file).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sweeps/sweep_spec.h"
#include "sweeps/trial_plan.h"
#include "workloads/trial_result.h"

namespace gaplab {

// What the coordinator knows at any moment; the CLI draws its progress line from it.
struct SweepStatus {
  int64_t total = 0;         // trials in the sweep
  int64_t alreadyDone = 0;   // in the results file before this run
  int64_t recorded = 0;      // written by this run
  int64_t failed = 0;        // of those: failed or diverged
  int64_t stoppedEarly = 0;  // of those: stopped by ASHA
  int64_t running = 0;
  int64_t retries = 0;
  int64_t interrupted = 0;   // stopped by a signal, left for the next run
  int groups = 1;
  double elapsedSeconds = 0.0;
  double etaSeconds = -1.0;  // < 0: unknown
  bool hasBest = false;
  TrialResult best;          // lowest objective so far (this run and the file)
  double bestObjective = 0.0;
};

class SweepProgressSink {
 public:
  virtual ~SweepProgressSink() = default;
  virtual void onUpdate(const SweepStatus& status) = 0;
  virtual void onTrialRecorded(const TrialResult& result, const SweepStatus& status) = 0;
};

struct SweepRunOptions {
  std::string resultsPath;
  bool append = false;                        // accept a results file that holds another sweep
  const std::atomic<bool>* stop = nullptr;    // set by SIGINT/SIGTERM
  SweepProgressSink* progress = nullptr;      // used on the coordinator only
  SweepShard shard;                           // run only this part of the sweep (Slurm array tasks)
};

struct SweepOutcome {
  SweepStatus status;
  std::vector<TrialResult> trials;  // every trial in the file at the end (coordinator; empty elsewhere)
  bool interrupted = false;
  bool coordinator = true;
};

// Every rank of MPI_COMM_WORLD calls it (MPI initialised by the caller when
// worldSize > 1). Throws std::invalid_argument when the world cannot be split
// into groups of ranks_per_trial, std::runtime_error naming the results file
// when it holds another sweep (without `append`), is corrupt, or is in use by
// another sweep. Nothing in an existing file is changed in those cases.
SweepOutcome runSweep(const SweepSpec& spec, const SweepRunOptions& options, int worldSize);

// The checkpoint directory of a sweep's trials: `<results>.ckpt.d`.
std::string sweepCheckpointDirectory(const std::string& resultsPath);

}  // namespace gaplab
