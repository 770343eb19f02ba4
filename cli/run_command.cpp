// cli/run_command.cpp — `gaplab run CONFIG.yaml`: validate, check the output,
// train with a live progress line, write the HDF5 results, print the summary.
//
// Order matters: config and output path are checked before any data is
// loaded, and the results file only appears (atomically) once the run is over,
// so a failure never leaves a half-written file.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_line.h"
#include "cli/signals.h"
#include "cli/summary_printer.h"
#include "core/config/config_error.h"
#include "distributed/communicator.h"
#include "distributed/mpi_communicator.h"
#include "sweeps/result_store.h"
#include "workloads/single_run.h"

namespace gaplab::cli {
namespace {

ProgressStyle progressStyle(const std::string& mode) {
  if (mode == "live") return ProgressStyle::kLiveLine;
  if (mode == "log") return ProgressStyle::kLogLines;
  if (mode == "quiet") return ProgressStyle::kQuiet;
  return isatty(fileno(stderr)) ? ProgressStyle::kLiveLine : ProgressStyle::kLogLines;
}

std::string defaultOutPath(const std::string& configPath) {
  return "results/" + std::filesystem::path(configPath).stem().string() + ".h5";
}

int exitCodeOf(TrialStatus status) {
  switch (status) {
    case TrialStatus::kReachedTarget: return kExitOk;
    case TrialStatus::kMaxSteps:
    case TrialStatus::kMaxRuntime: return kExitTargetMissed;
    case TrialStatus::kDiverged: return kExitDiverged;
    case TrialStatus::kInterrupted: return kExitInterrupted;
    case TrialStatus::kFailed: return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace

int runCommand(const RunOptions& options) {
  PreparedRun run = [&] {
    try {
      return prepareRun(options.configPath, options.overrides);
    } catch (const ConfigError&) {
      throw;
    } catch (const std::exception& e) {
      throw ConfigError(options.configPath + ": " + e.what());
    }
  }();
  const OverwriteMode overwrite = options.overwrite ? OverwriteMode::kOverwrite : OverwriteMode::kFail;
  std::string out = options.outPath;
  if (out.empty()) {
    out = defaultOutPath(options.configPath);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(out).parent_path(), ec);
  }
  try {
    ResultStore::checkWritable(out, overwrite);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab run: %s\n", e.what());
    return kExitOutput;
  }

  const std::atomic<bool>& stop = installStopSignalHandlers();
  // Under mpirun/srun with several ranks the run is data parallel over all of them
  // (training.batch_size per rank); rank 0 reports and writes the results.
  std::unique_ptr<MpiSession> mpi;
  std::unique_ptr<Communicator> comm;
  if (MpiSession::launchedWithSeveralRanks()) {
    mpi = std::make_unique<MpiSession>(nullptr, nullptr);
    comm = std::make_unique<MpiCommunicator>();
  } else {
    comm = std::make_unique<LocalCommunicator>();
  }
  const bool reporter = comm->rank() == 0;
  ProgressLine progress(stderr, reporter ? progressStyle(options.progress) : ProgressStyle::kQuiet);
  if (reporter)
    std::fprintf(stderr, "gaplab run: %s (%s), %d rank(s), results -> %s\n", run.config.workload.c_str(),
                 options.configPath.c_str(), comm->size(), out.c_str());
  TrialResult result;
  try {
    result = executeRun(run, *comm, &progress, &stop);
  } catch (const ConfigError&) {
    progress.finish();
    throw;
  } catch (const std::exception& e) {
    progress.finish();
    std::fprintf(stderr, "gaplab run: setting up workload '%s' failed: %s\n", run.config.workload.c_str(), e.what());
    return kExitData;
  }
  progress.finish();
  if (!reporter) return exitCodeOf(result.status);

  try {
    ResultStore store = ResultStore::create(out, overwrite);
    store.append(result);
    store.commit();
  } catch (const std::exception& e) {
    printRunSummary(stdout, result, "");
    std::fprintf(stderr, "gaplab run: writing results failed: %s\n", e.what());
    return kExitOutput;
  }
  printRunSummary(stdout, result, out);
  if (result.status == TrialStatus::kInterrupted)
    std::fprintf(stderr, "gaplab run: stopped by signal %d; the partial run is recorded in %s\n", lastStopSignal(),
                 out.c_str());
  return exitCodeOf(result.status);
}

}  // namespace gaplab::cli
