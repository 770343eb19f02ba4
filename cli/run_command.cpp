// cli/run_command.cpp — `gaplab run CONFIG.yaml`: validate, check the output,
// train with a live progress line, write the HDF5 results, print the summary.
//
// Order matters: config and output path are checked before any data is
// loaded, and the results file only appears (atomically) once the run is over,
// so a failure never leaves a half-written file.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_line.h"
#include "cli/signals.h"
#include "cli/summary_printer.h"
#include "core/config/config_error.h"
#include "distributed/communicator.h"
#include "core/device_memory.h"
#include "distributed/mpi_communicator.h"
#include "distributed/trial_communicator.h"
#include "sweeps/result_store.h"
#include "workloads/single_run.h"
#include "workloads/trial_checkpoint.h"

namespace gaplab::cli {
namespace {


std::string defaultOutPath(const std::string& configPath) {
  return "results/" + std::filesystem::path(configPath).stem().string() + ".h5";
}

int exitCodeOf(TrialStatus status) {
  switch (status) {
    case TrialStatus::kReachedTarget: return kExitOk;
    case TrialStatus::kMaxSteps:
    case TrialStatus::kMaxRuntime:
    case TrialStatus::kStoppedEarly: return kExitTargetMissed;
    case TrialStatus::kDiverged: return kExitDiverged;
    case TrialStatus::kInterrupted: return kExitInterrupted;
    case TrialStatus::kFailed: return kExitInternal;
  }
  return kExitInternal;
}

// Reads a file's text for the checkpoint's record of how the run was started.
std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What `gaplab run` will do about an existing checkpoint.
struct ResumeDecision {
  bool resume = false;
  std::string checkpointPath;
};

// Automatic resume: `<out>.ckpt` exists and the output names an unfinished run
// (absent after a kill -9, or holding exactly one interrupted trial). Throws
// std::runtime_error when the output holds a finished run (the caller's
// "exists; pass --overwrite" check reports it).
ResumeDecision decideAutomaticResume(const std::string& out, const std::string& checkpoint) {
  std::error_code ec;
  if (!std::filesystem::exists(checkpoint, ec)) return {};
  if (!std::filesystem::exists(out, ec)) return {true, checkpoint};
  std::vector<TrialResult> trials;
  try {
    trials = ResultStore::readAll(out);
  } catch (const std::exception&) {
    return {};  // not a results file we can read: checkWritable reports the existing file
  }
  if (trials.size() == 1 && trials.front().status == TrialStatus::kInterrupted) return {true, checkpoint};
  return {};
}

}  // namespace

int runCommand(const RunOptions& options) {
  if (options.configPath.empty() && options.resumePath.empty())
    throw std::invalid_argument("run: a config file is required (gaplab run CONFIG.yaml), or --resume CHECKPOINT");
  const OverwriteMode overwrite = options.overwrite ? OverwriteMode::kOverwrite : OverwriteMode::kFail;

  // Where the run comes from: the YAML file, or the origin stored in a checkpoint.
  CheckpointOrigin origin;
  ResumeDecision resume;
  if (!options.resumePath.empty()) {
    const CheckpointInfo info = TrialCheckpoint::peek(options.resumePath);
    origin = info.origin;
    if (!options.configPath.empty()) {
      origin.sourceName = options.configPath;
      origin.sourceYaml = readText(options.configPath);
      origin.overrides = options.overrides;
    } else {
      for (const std::string& o : options.overrides) origin.overrides.push_back(o);
    }
    if (!options.outPath.empty()) origin.resultsPath = options.outPath;
    if (origin.resultsPath.empty()) origin.resultsPath = options.resumePath + ".h5";
    resume = {true, options.resumePath};
  } else {
    origin.sourceName = options.configPath;
    origin.overrides = options.overrides;
    origin.resultsPath = options.outPath.empty() ? defaultOutPath(options.configPath) : options.outPath;
  }
  PreparedRun run = [&] {
    try {
      if (!options.resumePath.empty()) return prepareRunFromText(origin.sourceYaml, origin.sourceName, origin.overrides);
      PreparedRun prepared = prepareRun(options.configPath, options.overrides);
      origin.sourceYaml = readText(options.configPath);
      return prepared;
    } catch (const ConfigError&) {
      throw;
    } catch (const std::exception& e) {
      throw ConfigError(origin.sourceName + ": " + e.what());
    }
  }();
  const std::string out = origin.resultsPath;
  if (options.outPath.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(out).parent_path(), ec);
  }
  const std::string checkpointPath = resume.resume ? resume.checkpointPath : TrialCheckpoint::defaultPathFor(out);
  if (!resume.resume && !options.overwrite && !options.noCheckpoint) resume = decideAutomaticResume(out, checkpointPath);
  if (resume.resume) TrialCheckpoint::peek(resume.checkpointPath);  // a damaged checkpoint fails here, before any work
  // Resuming replaces the interrupted run's results file when the run ends.
  const OverwriteMode commitMode = resume.resume ? OverwriteMode::kOverwrite : overwrite;
  try {
    ResultStore::checkWritable(out, commitMode);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab run: %s\n", e.what());
    return kExitOutput;
  }

  const std::atomic<bool>& stop = installStopSignalHandlers();
  // Under mpirun/srun with several ranks the run is data parallel over all of them
  // (training.batch_size per rank); rank 0 reports and writes the results.
  // device: cuda: each rank takes GPU (node-local rank mod GPUs) before any other
  // CUDA work; several ranks sum gradients with NCCL, or through host memory when
  // ranks share a GPU (distributed/trial_communicator.h).
  std::unique_ptr<MpiSession> mpi;
  std::unique_ptr<Communicator> comm;
  if (MpiSession::launchedWithSeveralRanks()) mpi = std::make_unique<MpiSession>(nullptr, nullptr);
  try {
    const Device device = run.config.device;
    if (device == Device::kCuda && cudaAvailable()) selectDeviceForLocalRank(nodeLocalRank());
    if (mpi)
      comm = makeTrialCommunicator(MPI_COMM_WORLD, device);
    else
      comm = std::make_unique<LocalCommunicator>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab run: %s\n", e.what());
    return kExitData;
  }
  const bool reporter = comm->rank() == 0;
  if (reporter) TrialCheckpoint::removeStaleTemporaries(checkpointPath);
  if (options.overwrite && !resume.resume && reporter) {
    std::error_code ec;
    std::filesystem::remove(checkpointPath, ec);  // a fresh start: an older run's checkpoint must not be resumed later
  }
  ProgressLine progress(stderr, reporter ? parseProgressStyle(options.progress) : ProgressStyle::kQuiet);
  if (reporter) {
    std::fprintf(stderr, "gaplab run: %s (%s), %d rank(s), results -> %s\n", run.config.workload.c_str(),
                 origin.sourceName.c_str(), comm->size(), out.c_str());
    if (run.config.device == Device::kCuda && cudaAvailable())
      std::fprintf(stderr, "gaplab run: on %s, %s matrix products%s\n", cudaDeviceName().c_str(),
                   toString(run.config.precision).c_str(),
                   run.config.training.cudaGraph ? ", training step as a CUDA graph" : "");
    if (resume.resume)
      std::fprintf(stderr, "gaplab run: resuming from %s (step %lld)\n", resume.checkpointPath.c_str(),
                   static_cast<long long>(TrialCheckpoint::peek(resume.checkpointPath).step));
  }
  CheckpointPlan plan;
  if (!options.noCheckpoint) {
    plan.path = checkpointPath;
    plan.origin = origin;
    plan.everySteps = options.checkpointEverySteps;
    plan.everyTimedSeconds = options.checkpointEverySeconds;
    plan.resume = resume.resume;
    plan.onFinish = options.keepCheckpoint;
  }
  TrialResult result;
  try {
    result = executeRun(run, *comm, &progress, &stop, &plan);
  } catch (const ConfigError&) {
    progress.finish();
    throw;
  } catch (const CheckpointError&) {
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
    ResultStore store = ResultStore::create(out, commitMode);
    store.append(result);
    store.commit();
  } catch (const std::exception& e) {
    printRunSummary(stdout, result, "");
    std::fprintf(stderr, "gaplab run: writing results failed: %s\n", e.what());
    return kExitOutput;
  }
  printRunSummary(stdout, result, out);
  if (result.status == TrialStatus::kInterrupted) {
    std::fprintf(stderr, "gaplab run: stopped by signal %d; the partial run is recorded in %s\n", lastStopSignal(),
                 out.c_str());
    if (!plan.path.empty())
      std::fprintf(stderr, "gaplab run: the same command (or gaplab run --resume %s) continues it\n", plan.path.c_str());
  } else if (!plan.path.empty() && !options.keepCheckpoint) {
    std::error_code ec;
    std::filesystem::remove(plan.path, ec);  // the run is complete: nothing left to resume
  }
  return exitCodeOf(result.status);
}

}  // namespace gaplab::cli
