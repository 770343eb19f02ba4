// cli/commands.h — one function per `gaplab` subcommand; main.cpp wires them to CLI11.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweeps/sweep_spec.h"

namespace gaplab::cli {

struct RunOptions {
  std::string configPath;              // empty only with resumePath (the config is read from the checkpoint)
  std::vector<std::string> overrides;  // --set key=value
  std::string outPath;                 // empty: results/<config stem>.h5
  bool overwrite = false;
  std::string progress = "auto";       // auto, live, log, quiet
  std::string resumePath;              // --resume CHECKPOINT
  int64_t checkpointEverySteps = 0;    // 0: not by steps
  double checkpointEverySeconds = 60;  // timed seconds between checkpoints; 0: not by time
  bool noCheckpoint = false;
};
int runCommand(const RunOptions& options);

int workloadsCommand();

struct BenchOptions {
  std::string device = "cpu";
  int threads = 2;
  std::vector<std::string> cases;
  // --allreduce: the all-reduce benchmark instead of the training cases (under mpirun, >= 2 ranks).
  bool allreduce = false;
  double bucketMb = 25.0;                    // bucket size of the bucketed reducer, MiB
  int64_t maxBytes = int64_t{64} << 20;      // largest message: 1 KiB, 4 KiB, ... up to this
};
int benchCommand(const BenchOptions& options);
int allReduceBenchCommand(const BenchOptions& options);

int summaryCommand(const std::string& resultsPath);

struct SweepOptions {
  std::string sweepPath;
  std::string outPath;            // empty: results/<sweep name>.h5
  bool append = false;            // add to a results file of another sweep
  bool dryRun = false;
  std::string progress = "auto";
  std::string shard;              // "K/N": run only shard K of N (Slurm array tasks); empty: all
};
int sweepCommand(const SweepOptions& options);
// The trials of `spec` not yet in `out`, in dispatch order, with ids and costs (`--dry-run`).
int printSweepPlan(const SweepSpec& spec, const std::string& out);

// `gaplab benchmark SUBMISSIONS.yaml... --suite quick|full | --workloads a,b --out RESULTS.h5`.
struct BenchmarkCliOptions {
  std::vector<std::string> submissionPaths;
  std::string suite;                 // quick | full (default quick when --workloads is not given)
  std::string workloads;             // "a,b": instead of the suite's workloads
  std::string outPath;               // default results/benchmark_<suite>.h5
  int studies = 0;                   // 0: the suite's
  int64_t trials = 0;                // 0: the suite's
  bool dryRun = false;
  std::string plotDir;               // --plot DIR: DIR/performance_profiles.png
  std::string progress = "auto";
  std::vector<std::string> overrides;  // --set key=value for every workload
};
int benchmarkCommand(const BenchmarkCliOptions& options);

// `gaplab slurm render|submit|status SWEEP.yaml`: empty strings and negative
// numbers mean "not given" (the slurm.yaml default or the built-in one applies).
struct SlurmCliOptions {
  std::string action;        // render, submit, status
  std::string sweepPath;
  std::string configPath;    // --config slurm.yaml
  std::string outPath;       // --out results file
  std::string partition, account, qos, time, mem, constraint, workdir, output, gaplab, launcher;
  int nodes = -1, ntasksPerNode = -1, cpusPerTask = -1, gpusPerNode = -1, signalSeconds = -1, maxRequeues = -1;
  int arrayTasks = -1, arrayThrottle = -1;
  bool exclusive = false;
  std::vector<std::string> sbatch, environment, modules;
};
int slurmCommand(const SlurmCliOptions& options);

struct MergeOptions {
  std::string outPath;
  std::vector<std::string> inputPaths;
};
int mergeCommand(const MergeOptions& options);
// The commands below read results files; an unreadable file or an unwritable
// output throws OutputError (cli/results_file.h), which main maps to exit 6.

// `gaplab status FILE.h5`: sweep identity, trials by status, per submission and study, best trial.
int statusCommand(const std::string& resultsPath);

struct ExportOptions {
  std::string resultsPath;
  std::string csvDir;      // --csv DIR: summary.csv, curves.csv, eval_metrics.csv
  bool overwrite = false;  // replace existing CSV files
};
int exportCommand(const ExportOptions& options);

struct ScoreOptions {
  std::vector<std::string> resultsPaths;
  double tauMax = 4.0;                 // --tau-max: cutoff ratio and end of the performance profile
  std::string integration = "exact";   // --integration exact|trapezoid: which score is `score`
  std::string plotPath;                // --plot FILE.png: performance profiles via gnuplot (empty: none)
};
int scoreCommand(const ScoreOptions& options);

}  // namespace gaplab::cli
