// workloads/single_run.cpp — see single_run.h.
#include "workloads/single_run.h"

#include <omp.h>

#include <chrono>

#include <Eigen/Core>

#include "core/allocator.h"
#include "core/device_memory.h"
#include "workloads/optimizer_factory.h"
#include "workloads/workload_registry.h"

namespace gaplab {

namespace {

// device: cuda — the precision of the matrix products, then the model moves to
// the current GPU (the launcher picked it: cli/run_command.cpp and the sweep
// worker select node-local rank modulo the visible GPUs before any CUDA work).
void placeOnDevice(PreparedRun& run, Workload& workload) {
  setComputePrecision(run.config.precision);
  if (run.config.device == Device::kCpu) return;
  requireCuda(run.document.root().where("device") + ": cuda");
  try {
    workload.useDevice(run.config.device);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(run.document.root().where("device") + ": workload " + run.config.workload + ": " + e.what());
  }
}

}  // namespace

void setComputeThreads(int threads) {
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
}

PreparedRun prepareRun(const std::string& configPath, const std::vector<std::string>& overrides) {
  PreparedRun run{loadRunDocument(configPath, overrides), {}};
  run.config = parseRunConfig(run.document);
  return run;
}

PreparedRun prepareRunFromText(const std::string& yaml, const std::string& sourceName,
                               const std::vector<std::string>& overrides) {
  PreparedRun run{parseRunDocument(yaml, sourceName, overrides), {}};
  run.config = parseRunConfig(run.document);
  return run;
}

TrialResult executeRun(PreparedRun& run, Communicator& comm, ProgressSink* progress,
                       const std::atomic<bool>* stopRequested, const CheckpointPlan* checkpoints,
                       TrialMonitor* monitor) {
  const auto t0 = std::chrono::steady_clock::now();
  setComputeThreads(run.config.threads);
  // training.batch_size is the global batch: the same optimisation whatever the
  // rank count. Each rank draws its equal share of every global batch.
  if (comm.size() > 1) {
    const int64_t global = run.config.training.batchSize;
    if (global % comm.size() != 0)
      throw ConfigError(run.document.root().section("training").where("batch_size") + ": global batch " +
                        std::to_string(global) + " does not split evenly over " + std::to_string(comm.size()) +
                        " ranks; expected a multiple of " + std::to_string(comm.size()));
    run.config.training.batchSize = global / comm.size();
  }
  const WorkloadEntry& entry = WorkloadRegistry::instance().get(run.config.workload);
  const std::string& target = run.config.target.metric;
  if (target != "loss" && target != entry.metric)
    throw ConfigError(run.document.root().section("target").where("metric") + ": got '" + target + "'; expected '" +
                      entry.metric + "' or 'loss' for workload " + run.config.workload);
  WorkloadContext ctx{run.config, run.document.root(), comm, [&run] { run.document.checkUnknownKeys(); }};
  std::unique_ptr<Workload> workload = entry.factory(ctx);
  run.document.checkUnknownKeys();  // again, for a factory that read keys after keysRead()
  placeOnDevice(run, *workload);
  if (const int64_t budget = workload->stepBudget(); budget > 0) {
    // An exact data budget (data.token_budget) replaces training.max_steps.
    ScheduleConfig& schedule = run.config.schedule;
    if (schedule.totalSteps == run.config.training.maxSteps) schedule.totalSteps = budget;
    run.config.training.maxSteps = budget;
    run.document.applyOverride("training.max_steps=" + std::to_string(budget));
    if (schedule.warmupSteps > schedule.totalSteps)
      throw ConfigError(run.document.root().section("schedule").where("warmup_steps") + ": warmup of " +
                        std::to_string(schedule.warmupSteps) + " steps; expected at most the " +
                        std::to_string(schedule.totalSteps) + " steps that data.token_budget allows");
  }
  run.config.resolvedYaml = run.document.dump();
  std::unique_ptr<Optimizer> optimizer = makeOptimizer(run.config.optimizer);
  std::unique_ptr<LrSchedule> schedule = makeSchedule(run.config.schedule, run.config.optimizer.learningRate);
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Trainer trainer(run.config, *workload, *optimizer, *schedule, comm, progress);
  trainer.setMonitor(monitor);
  TrialResult result = trainer.run(setup, stopRequested, checkpoints);
  workload.reset();
  releaseCachedHostMemory();  // the next trial of a sweep may use entirely different shapes
  if (run.config.device == Device::kCuda) releaseCachedDeviceMemory();  // and other trials may share the GPU
  return result;
}

}  // namespace gaplab
