// cli/main.cpp — the `gaplab` binary: argument parsing (CLI11) and the mapping
// of exceptions to documented exit codes (cli/exit_codes.h, docs/cli.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/allocator.h"
#include "cli/results_file.h"
#include "core/config/config_error.h"
#include "workloads/trial_checkpoint.h"

namespace {

// Under mpirun/srun every rank fails the same way on a bad config or file; only
// the first rank says so (the launcher's own rank variables, set before MPI_Init).
bool isFirstRank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* value = std::getenv(var)) return std::atoi(value) == 0;
  return true;
}

template <class... Args>
void report(const char* format, Args... args) {
  if (isFirstRank()) std::fprintf(stderr, format, args...);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gaplab::cli;
  gaplab::keepFreedHostMemory();
  CLI::App app{"gaplab: train, sweep and measure time-to-result and generalization gaps"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gaplab 0.1.0");

  RunOptions run;
  CLI::App* runCmd = app.add_subcommand("run", "Train one workload from a YAML config and record it in HDF5");
  runCmd->add_option("config", run.configPath, "YAML config (see examples/ and docs/config.md); optional with --resume");
  runCmd->add_option("--set", run.overrides, "Override a config key: --set training.batch_size=256 (repeatable)");
  runCmd->add_option("--out", run.outPath, "Results file (default: results/<config name>.h5)");
  runCmd->add_flag("--overwrite", run.overwrite, "Replace an existing results file");
  runCmd->add_option("--progress", run.progress, "Progress display: auto, live, log or quiet")
      ->check(CLI::IsMember({"auto", "live", "log", "quiet"}));
  CLI::Option* resumeOption = runCmd->add_option("--resume", run.resumePath,
                     "Continue the run saved in this checkpoint (default: automatic when <out>.ckpt exists)");
  runCmd->add_option("--checkpoint-every-steps", run.checkpointEverySteps, "Checkpoint every N steps (0: off)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  runCmd->add_option("--checkpoint-every-s", run.checkpointEverySeconds,
                     "Checkpoint every S timed seconds (default 60; 0: off)")
      ->check(CLI::Range(0.0, 1e9));
  CLI::Option* noCheckpoint =
      runCmd->add_flag("--no-checkpoint", run.noCheckpoint, "Write no checkpoint (a killed run cannot resume)")
          ->excludes(resumeOption);  // with it, --resume was silently ignored: the run started afresh
  runCmd->add_flag("--keep-checkpoint", run.keepCheckpoint,
                   "Checkpoint the final state and keep <out>.ckpt (continue from it with model.init_from)")
      ->excludes(noCheckpoint);

  app.add_subcommand("workloads", "List the registered workloads with their targets and budgets");

  BenchOptions bench;
  CLI::App* benchCmd = app.add_subcommand("bench", "Run the reference benchmarks; prints '<case> <value> <unit>'");
  benchCmd->add_option("--device", bench.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  benchCmd->add_option("--precision", bench.precision,
                       "cuda: fp32, tf32 (default, as the PyTorch reference) or bf16 (autocast)")
      ->check(CLI::IsMember({"fp32", "tf32", "bf16"}));
  benchCmd->add_option("--threads", bench.threads, "CPU threads")->check(CLI::Range(1, 256));
  benchCmd->add_option("--case", bench.cases, "Only these cases (repeatable)");
  benchCmd->add_flag("--allreduce", bench.allreduce,
                     "All-reduce bus bandwidth, plain vs bucketed (run under mpirun -np N, N >= 2)");
  benchCmd->add_option("--bucket-mb", bench.bucketMb, "--allreduce: bucket size in MiB (default 25)")
      ->check(CLI::Range(1e-6, 1024.0));
  benchCmd->add_option("--max-bytes", bench.maxBytes, "--allreduce: largest message in bytes (default 64 MiB)")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 32));

  SweepOptions sweep;
  CLI::App* sweepCmd = app.add_subcommand("sweep", "Run a hyperparameter sweep over every rank (mpirun/srun), results in one HDF5 file");
  sweepCmd->add_option("sweep", sweep.sweepPath, "Sweep YAML (see examples/sweep_quick.yaml and docs/sweeps.md)")->required();
  sweepCmd->add_option("--out", sweep.outPath, "Results file (default: results/<sweep name>.h5); rerunning continues it");
  sweepCmd->add_flag("--append", sweep.append, "Add this sweep's trials to a results file that holds another sweep");
  sweepCmd->add_flag("--dry-run", sweep.dryRun, "Print the trials it would run, with ids and estimated costs, and stop");
  sweepCmd->add_option("--progress", sweep.progress, "Progress display: auto, live, log or quiet")
      ->check(CLI::IsMember({"auto", "live", "log", "quiet"}));
  sweepCmd->add_option("--shard", sweep.shard, "Run only shard K of N (K/N, 0 <= K < N): a Slurm array task's part");

  BenchmarkCliOptions benchmark;
  CLI::App* benchmarkCmd = app.add_subcommand(
      "benchmark", "AlgoPerf-style benchmark: run submissions (YAML) on a suite of workloads through the sweep "
                   "scheduler (mpirun/srun), one results file, then print the scores");
  benchmarkCmd->add_option("submissions", benchmark.submissionPaths,
                           "Submission YAML files (examples/submissions/, docs/benchmark.md)")->required();
  benchmarkCmd->add_option("--suite", benchmark.suite, "quick (2 cores, < 20 min) or full (every workload with a target)")
      ->check(CLI::IsMember({"quick", "full"}));
  benchmarkCmd->add_option("--workloads", benchmark.workloads, "Comma-separated workloads instead of a suite (full budgets)");
  benchmarkCmd->add_option("--out", benchmark.outPath, "Results file (default results/benchmark_<suite>.h5); rerunning continues it");
  benchmarkCmd->add_option("--studies", benchmark.studies, "Studies per submission and workload (default: the suite's)")
      ->check(CLI::Range(1, 1000));
  benchmarkCmd->add_option("--trials", benchmark.trials, "Halton trials per study (default: the suite's)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  benchmarkCmd->add_flag("--dry-run", benchmark.dryRun, "Check everything and print the trials per workload; run nothing");
  benchmarkCmd->add_option("--plot", benchmark.plotDir, "Draw the performance profiles into DIR/performance_profiles.png");
  benchmarkCmd->add_option("--set", benchmark.overrides,
                           "Override a workload config key for every workload: --set data.train_limit=2000 (repeatable)");
  benchmarkCmd->add_option("--progress", benchmark.progress, "Progress display: auto, live, log or quiet")
      ->check(CLI::IsMember({"auto", "live", "log", "quiet"}));

  SlurmCliOptions slurm;
  CLI::App* slurmCmd = app.add_subcommand("slurm", "Run a sweep on a Slurm cluster: render, submit or status");
  slurmCmd->add_option("action", slurm.action, "render (print the batch script), submit (sbatch it) or status")
      ->required()
      ->check(CLI::IsMember({"render", "submit", "status"}));
  slurmCmd->add_option("sweep", slurm.sweepPath, "Sweep YAML")->required();
  slurmCmd->add_option("--config", slurm.configPath, "Slurm defaults (default: $GAPLAB_SLURM_CONFIG or ~/.config/gaplab/slurm.yaml)");
  slurmCmd->add_option("--out", slurm.outPath, "Results file (default: results/<sweep name>.h5 under --workdir)");
  slurmCmd->add_option("--partition,-p", slurm.partition, "Partition");
  slurmCmd->add_option("--account,-A", slurm.account, "Account");
  slurmCmd->add_option("--qos", slurm.qos, "Quality of service");
  slurmCmd->add_option("--time,-t", slurm.time, "Time limit: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS");
  slurmCmd->add_option("--nodes,-N", slurm.nodes, "Nodes");
  slurmCmd->add_option("--ntasks-per-node", slurm.ntasksPerNode, "MPI ranks per node (world rank 0 coordinates)");
  slurmCmd->add_option("--cpus-per-task,-c", slurm.cpusPerTask, "Cores per rank (OMP_NUM_THREADS)");
  slurmCmd->add_option("--gpus-per-node", slurm.gpusPerNode, "GPUs per node");
  slurmCmd->add_option("--mem", slurm.mem, "Memory per node, e.g. 8G");
  slurmCmd->add_option("--constraint,-C", slurm.constraint, "Node features");
  slurmCmd->add_flag("--exclusive", slurm.exclusive, "Whole nodes only");
  slurmCmd->add_option("--sbatch", slurm.sbatch, "Extra #SBATCH directive, e.g. --sbatch=--mail-type=END (repeatable)");
  slurmCmd->add_option("--env", slurm.environment, "NAME=value exported in the job (repeatable)");
  slurmCmd->add_option("--module", slurm.modules, "module load NAME before the run (repeatable)");
  slurmCmd->add_option("--workdir", slurm.workdir, "Working directory of the job (default: here)");
  slurmCmd->add_option("--output,-o", slurm.output, "Job log path (default: <workdir>/slurm/<job>-%j.out)");
  slurmCmd->add_option("--signal-s", slurm.signalSeconds, "Seconds before the time limit to checkpoint and requeue (default 300)");
  slurmCmd->add_option("--max-requeues", slurm.maxRequeues, "Requeues after time-limit warnings, at most (default 3)");
  slurmCmd->add_option("--array", slurm.arrayTasks, "Array mode: run the sweep as N shards (array tasks)");
  slurmCmd->add_option("--throttle", slurm.arrayThrottle, "Array mode: tasks running at once (default 2)");
  slurmCmd->add_option("--launcher", slurm.launcher, "srun (--mpi=pmix, default) or mpirun inside the allocation")
      ->check(CLI::IsMember({"srun", "mpirun"}));
  slurmCmd->add_option("--gaplab", slurm.gaplab, "The gaplab binary the job runs (default: this one)");

  MergeOptions merge;
  CLI::App* mergeCmd = app.add_subcommand("merge", "Join the results files of a sweep's shards (array tasks) into one");
  mergeCmd->add_option("out", merge.outPath, "Output results file (created, or extended if it holds the same sweep)")
      ->required();
  mergeCmd->add_option("inputs", merge.inputPaths, "Shard results files")->required();

  std::string summaryPath;
  CLI::App* summaryCmd = app.add_subcommand("summary", "Print the trials of a results file as a table");
  summaryCmd->add_option("results", summaryPath, "HDF5 results file")->required();

  std::string statusPath;
  CLI::App* statusCmd = app.add_subcommand(
      "status", "Show where a sweep stands: trials by status, per submission and study, the best trial "
                "(safe while the sweep writes the file)");
  statusCmd->add_option("results", statusPath, "HDF5 results file of a sweep or a run")->required();

  ExportOptions exportOptions;
  CLI::App* exportCmd = app.add_subcommand(
      "export", "Write a results file as CSV tables: DIR/summary.csv, DIR/curves.csv, DIR/eval_metrics.csv");
  exportCmd->add_option("results", exportOptions.resultsPath, "HDF5 results file")->required();
  exportCmd->add_option("--csv", exportOptions.csvDir, "Directory for the CSV files (created if missing)")->required();
  exportCmd->add_flag("--overwrite", exportOptions.overwrite, "Replace existing CSV files in DIR");

  ScoreOptions score;
  CLI::App* scoreCmd = app.add_subcommand(
      "score", "AlgoPerf scores of the trials in results files: time-to-target per workload, performance "
               "profiles, benchmark score per submission");
  scoreCmd->add_option("results", score.resultsPaths, "HDF5 results files (one or more)")->required();
  scoreCmd->add_option("--tau-max", score.tauMax, "Cutoff ratio to the best time and end of the profile (> 1)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e6));
  scoreCmd->add_option("--integration", score.integration,
                       "Score integral: exact (area under the step profile) or trapezoid (AlgoPerf's np.trapz)")
      ->capture_default_str()
      ->check(CLI::IsMember({"exact", "trapezoid"}));
  scoreCmd->add_option("--plot", score.plotPath, "Draw the performance profiles into this PNG (needs gnuplot)");

  StepLawOptions stepLaw;
  std::string stepLawLoss = "train";
  CLI::App* stepLawCmd = app.add_subcommand(
      "steplaw", "Step Law's optimal learning rate and batch size at (N, D); with a scaling sweep's results, "
                 "gaplab's own fit of the law with 95% intervals beside it");
  stepLawCmd->add_option("--params", stepLaw.params, "N: non-embedding parameters")
      ->required()
      ->check(CLI::PositiveNumber);
  stepLawCmd->add_option("--tokens", stepLaw.tokens, "D: training tokens")->required()->check(CLI::PositiveNumber);
  stepLawCmd->add_option("results", stepLaw.resultsPath, "HDF5 results file of a scaling sweep (lm / moe_lm trials)");
  stepLawCmd->add_option("--loss", stepLawLoss,
                         "Rank runs by the final smoothed training loss (train, as Step Law) or validation loss")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "validation"}));
  stepLawCmd->add_option("--resamples", stepLaw.resamples, "Bootstrap resamples of the (N, D) cells")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  stepLawCmd->add_option("--seed", stepLaw.seed, "Seed of the bootstrap")->capture_default_str();
  AnalyzeOptions analyze;
  CLI::App* analyzeCmd = app.add_subcommand(
      "analyze", "Tables of the studies of gaps from a sweep's results file: large-batch, continual, scaling, moe");
  analyzeCmd->require_subcommand(1);
  CLI::App* largeBatchCmd = analyzeCmd->add_subcommand(
      "large-batch", "Large-batch / Ghost BatchNorm study (Hoffer et al. 2017): per regime (submission) validation "
                     "and train accuracy, generalization gap over seeds, slope of ||w_t - w_0|| against log(step)");
  largeBatchCmd->add_option("results", analyze.resultsPath, "HDF5 results file of the study's sweep")->required();
  largeBatchCmd->add_option("--plot", analyze.plotDir,
                            "Draw weight_distance.png and generalization_gap.png into this directory (gnuplot)");
  CLI::App* moeCmd = analyzeCmd->add_subcommand(
      "moe", "MoE sparsity study: per task and (experts, top-k), total and active parameters, losses, gap, task "
             "accuracy and expert load balance over seeds, against total and active parameters");
  moeCmd->add_option("results", analyze.resultsPath, "HDF5 results file of the study's sweep")->required();
  moeCmd->add_option("--plot", analyze.plotDir, "Draw the study's charts (PNG, gnuplot) into this directory");
  AnalyzeContinualOptions continual;
  CLI::App* continualCmd = analyzeCmd->add_subcommand(
      "continual", "Continual pre-training study (De Lange et al.; Guo et al. 2024): per strategy, the stability gap "
                   "of the old domain (min-ACC, depth, recovery), WC-ACC, windowed forgetting and plasticity");
  continualCmd->add_option("results", continual.resultsPath, "HDF5 results file of the continued runs")->required();
  continualCmd->add_option("--old", continual.oldCorpus, "The old domain (a data.monitor corpus)")->capture_default_str();
  continualCmd->add_option("--new", continual.newCorpus, "The new domain (a data.monitor corpus)")->capture_default_str();
  continualCmd->add_option("--measure", continual.measure, "next_byte_accuracy or bits_per_byte")
      ->capture_default_str()
      ->check(CLI::IsMember({"next_byte_accuracy", "bits_per_byte"}));
  continualCmd->add_option("--windows", continual.windows, "Windows w (evaluations) of WF^w and WP^w")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  continualCmd->add_option("--tolerance", continual.tolerance, "Recovery: back within this of the value at the switch")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  continualCmd->add_option("--plot", continual.plotDir,
                           "Draw both domains' curves per strategy into DIR/continual_switch.png (around the switch) "
                           "and DIR/continual_run.png (the whole run) (gnuplot)");
  continualCmd->add_option("--plot-steps", continual.plotSteps, "Steps after the switch shown in continual_switch.png")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));

  AnalyzeScalingOptions scaling;
  std::string scalingLoss = "train";
  CLI::App* scalingCmd = analyzeCmd->add_subcommand(
      "scaling", "Step Law study (Li et al. 2025): per (N, D) cell the best lr and batch beside the fitted and "
                 "published law, the fitted coefficients with 95% bootstrap intervals, the hold-out of the largest cell");
  scalingCmd->add_option("results", scaling.resultsPath, "HDF5 results file of the scaling sweep (lm trials)")->required();
  scalingCmd->add_option("--plot", scaling.plotDir,
                         "Draw loss_vs_lr.png, lr_vs_params.png and batch_vs_tokens.png into this directory (gnuplot)");
  scalingCmd->add_option("--loss", scalingLoss, "Rank runs by the final smoothed training loss (train) or validation loss")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "validation"}));
  scalingCmd->add_option("--resamples", scaling.resamples, "Bootstrap resamples of the (N, D) cells")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  scalingCmd->add_option("--seed", scaling.seed, "Seed of the bootstrap")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (runCmd->parsed()) return runCommand(run);
    if (app.got_subcommand("workloads")) return workloadsCommand();
    if (benchCmd->parsed()) return bench.allreduce ? allReduceBenchCommand(bench) : benchCommand(bench);
    if (summaryCmd->parsed()) return summaryCommand(summaryPath);
    if (sweepCmd->parsed()) return sweepCommand(sweep);
    if (benchmarkCmd->parsed()) return benchmarkCommand(benchmark);
    if (mergeCmd->parsed()) return mergeCommand(merge);
    if (slurmCmd->parsed()) return slurmCommand(slurm);
    if (statusCmd->parsed()) return statusCommand(statusPath);
    if (exportCmd->parsed()) return exportCommand(exportOptions);
    if (scoreCmd->parsed()) return scoreCommand(score);
    if (stepLawCmd->parsed()) {
      stepLaw.loss = stepLawLoss == "validation" ? LossChoice::kValidation : LossChoice::kTrain;
      return stepLawCommand(stepLaw);
    }
    if (largeBatchCmd->parsed()) return analyzeLargeBatchCommand(analyze);
    if (continualCmd->parsed()) return analyzeContinualCommand(continual);
    if (moeCmd->parsed()) return analyzeMoeCommand(analyze);
    if (scalingCmd->parsed()) {
      scaling.loss = scalingLoss == "validation" ? LossChoice::kValidation : LossChoice::kTrain;
      return analyzeScalingCommand(scaling);
    }
  } catch (const gaplab::ConfigError& e) {
    report("gaplab: config error: %s\n", e.what());
    return kExitUsage;
  } catch (const gaplab::CheckpointError& e) {
    report("gaplab: %s\n", e.what());
    return kExitUsage;
  } catch (const OutputError& e) {
    report("gaplab: %s\n", e.what());
    return kExitOutput;
  } catch (const std::invalid_argument& e) {
    report("gaplab: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    report("gaplab: internal error: %s\n", e.what());
    return kExitInternal;
  }
  return kExitUsage;
}
