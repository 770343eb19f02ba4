// slurm/batch_script.h — the sbatch script that runs a sweep on a cluster.
//
// Why (DESIGN.md "Slurm"): Slurm only wraps the launch. The script asks for a
// warning signal before the time limit (`--signal=B:USR2@<s>`) and for
// requeueing (`--requeue`); on the warning it forwards USR2 to the ranks,
// which checkpoint their running trials and flush the results file, and then
// requeues itself (`scontrol requeue`, for an array task its own
// <job>_<task> id) until max_requeues; the requeued job reruns the same sweep
// command, which skips finished trials and resumes the others. A SIGTERM
// without the warning (preemption, scancel) also checkpoints; Slurm requeues
// preempted jobs itself. Every value that reaches a shell line is
// single-quoted (shellQuote); values on #SBATCH lines were validated as plain
// tokens (SlurmOptions::validate), so no sweep name, path or parameter can
// inject code or directives.
#pragma once

#include <string>

#include "slurm/slurm_options.h"

namespace gaplab {

struct SweepJob {
  std::string sweepPath;    // absolute
  std::string sweepName;
  std::string sweepId;
  std::string resultsPath;  // absolute; array mode: the merged file (tasks write <stem>.task<k>.h5 beside it)
};

// The script text. Throws std::invalid_argument from options.validate().
std::string renderBatchScript(const SweepJob& job, const SlurmOptions& options);

// Array task k's results file: <results stem>.task<k>.h5 beside the merged file.
std::string arrayTaskResultsPath(const std::string& resultsPath, int task);

// A job name made only of safe characters: "gaplab-" + the sweep name with
// anything else replaced by '_'.
std::string slurmJobName(const std::string& sweepName);

}  // namespace gaplab
