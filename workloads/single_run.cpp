// workloads/single_run.cpp — see single_run.h.
#include "workloads/single_run.h"

#include <omp.h>

#include <chrono>

#include <Eigen/Core>

#include "workloads/optimizer_factory.h"
#include "workloads/workload_registry.h"

namespace gaplab {

void setComputeThreads(int threads) {
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
}

PreparedRun prepareRun(const std::string& configPath, const std::vector<std::string>& overrides) {
  PreparedRun run{loadRunDocument(configPath, overrides), {}};
  run.config = parseRunConfig(run.document);
  return run;
}

TrialResult executeRun(PreparedRun& run, Communicator& comm, ProgressSink* progress,
                       const std::atomic<bool>* stopRequested) {
  const auto t0 = std::chrono::steady_clock::now();
  setComputeThreads(run.config.threads);
  const WorkloadEntry& entry = WorkloadRegistry::instance().get(run.config.workload);
  WorkloadContext ctx{run.config, run.document.root(), comm};
  std::unique_ptr<Workload> workload = entry.factory(ctx);
  run.document.checkUnknownKeys();
  const std::string& target = run.config.target.metric;
  if (target != "loss" && target != workload->metricName())
    throw ConfigError(run.document.root().section("target").where("metric") + ": got '" + target + "'; expected '" +
                      workload->metricName() + "' or 'loss' for workload " + run.config.workload);
  run.config.resolvedYaml = run.document.dump();
  if (const int64_t budget = workload->stepBudget(); budget > 0) {
    if (run.config.schedule.totalSteps == run.config.training.maxSteps) run.config.schedule.totalSteps = budget;
    run.config.training.maxSteps = budget;
  }
  std::unique_ptr<Optimizer> optimizer = makeOptimizer(run.config.optimizer);
  std::unique_ptr<LrSchedule> schedule = makeSchedule(run.config.schedule, run.config.optimizer.learningRate);
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Trainer trainer(run.config, *workload, *optimizer, *schedule, comm, progress);
  return trainer.run(setup, stopRequested);
}

}  // namespace gaplab
