// cli/commands.h — one function per `gaplab` subcommand; main.cpp wires them to CLI11.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweeps/step_law_runs.h"
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
  bool keepCheckpoint = false;         // write the final state to <out>.ckpt and keep it (model.init_from)
};
int runCommand(const RunOptions& options);

int workloadsCommand();

struct BenchOptions {
  std::string device = "cpu";
  std::string precision;  // cuda: fp32, tf32 (the default, as the PyTorch reference) or bf16
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

// `gaplab steplaw --params N --tokens D [RESULTS.h5]`: Step Law's published
// optimal lr and batch at (N, D); with a scaling sweep's results, gaplab's fit beside it.
using LossChoice = StepLawLoss;  // which final loss the fit ranks runs by
struct StepLawOptions {
  double params = 0.0;        // --params: N, non-embedding parameters
  double tokens = 0.0;        // --tokens: D, training tokens
  std::string resultsPath;    // optional results file of a scaling sweep
  LossChoice loss = LossChoice::kTrain;  // --loss train (final smoothed training loss, as Step Law) | validation
  int resamples = 1000;       // --resamples: bootstrap resamples
  uint64_t seed = 0;          // --seed of the bootstrap
};
int stepLawCommand(const StepLawOptions& options);
// `gaplab analyze <study> RESULTS.h5 [--plot DIR]`: the table of one of the studies of gaps.
struct AnalyzeOptions {
  std::string resultsPath;
  std::string plotDir;     // --plot DIR: PNG charts via gnuplot (empty: none; skipped without gnuplot)
};
// `analyze large-batch`: per regime (submission) validation/train metric, gap and
// the slope of ||w_t - w_0|| against ln(step). A file without regimes or weight
// distances throws OutputError (exit 6).
int analyzeLargeBatchCommand(const AnalyzeOptions& options);
// `analyze moe`: the MoE sparsity table per task and (experts, top-k) over seeds,
// against total and active parameters. A file without lm / moe_lm trials that
// trained their token budget throws OutputError (exit 6).
int analyzeMoeCommand(const AnalyzeOptions& options);

// `analyze continual`: continual-evaluation metrics per strategy (submission)
// from the monitored curves of continued runs (data.monitor, training.eval_at_start).
struct AnalyzeContinualOptions {
  std::string resultsPath;
  std::string oldCorpus = "fortunes_en";
  std::string newCorpus = "fortunes_de";
  std::string measure = "next_byte_accuracy";  // or bits_per_byte
  std::vector<int> windows = {10, 100};
  double tolerance = 0.0;
  std::string plotDir;       // --plot DIR: continual_switch.png and continual_run.png (skipped without gnuplot)
  int64_t plotSteps = 100;   // --plot-steps N: continual_switch.png shows steps [0, N] after the switch
};
int analyzeContinualCommand(const AnalyzeContinualOptions& options);

// `analyze scaling`: the Step Law study (sweeps/step_law_fit.h) per (N, D) cell,
// coefficients with bootstrap intervals, hold-out. A file without lm trials
// that trained their token budget, or one that cannot determine the law, throws OutputError (exit 6).
struct AnalyzeScalingOptions {
  std::string resultsPath;
  std::string plotDir;                   // --plot DIR: loss_vs_lr.png, lr_vs_params.png, batch_vs_tokens.png
  LossChoice loss = LossChoice::kTrain;  // --loss train | validation
  int resamples = 1000;                  // --resamples: bootstrap resamples of the cells
  uint64_t seed = 0;                     // --seed of the bootstrap
};
int analyzeScalingCommand(const AnalyzeScalingOptions& options);

}  // namespace gaplab::cli
