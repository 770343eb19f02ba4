// cli/main.cpp — the `gaplab` binary: argument parsing (CLI11) and the mapping
// of exceptions to documented exit codes (cli/exit_codes.h, docs/cli.md).
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/config/config_error.h"
#include "workloads/trial_checkpoint.h"

int main(int argc, char** argv) {
  using namespace gaplab::cli;
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
  runCmd->add_flag("--no-checkpoint", run.noCheckpoint, "Write no checkpoint (a killed run cannot resume)")
      ->excludes(resumeOption);  // with it, --resume was silently ignored: the run started afresh

  app.add_subcommand("workloads", "List the registered workloads with their targets and budgets");

  BenchOptions bench;
  CLI::App* benchCmd = app.add_subcommand("bench", "Run the reference benchmarks; prints '<case> <value> <unit>'");
  benchCmd->add_option("--device", bench.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  benchCmd->add_option("--threads", bench.threads, "CPU threads")->check(CLI::Range(1, 256));
  benchCmd->add_option("--case", bench.cases, "Only these cases (repeatable)");

  std::string summaryPath;
  CLI::App* summaryCmd = app.add_subcommand("summary", "Print the trials of a results file as a table");
  summaryCmd->add_option("results", summaryPath, "HDF5 results file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (runCmd->parsed()) return runCommand(run);
    if (app.got_subcommand("workloads")) return workloadsCommand();
    if (benchCmd->parsed()) return benchCommand(bench);
    if (summaryCmd->parsed()) return summaryCommand(summaryPath);
  } catch (const gaplab::ConfigError& e) {
    std::fprintf(stderr, "gaplab: config error: %s\n", e.what());
    return kExitUsage;
  } catch (const gaplab::CheckpointError& e) {
    std::fprintf(stderr, "gaplab: %s\n", e.what());
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "gaplab: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab: internal error: %s\n", e.what());
    return kExitInternal;
  }
  return kExitUsage;
}
