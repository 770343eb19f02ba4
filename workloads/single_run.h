// workloads/single_run.h — one training run from a config file: the body of
// `gaplab run`, and of every trial a sweep schedules.
//
// Why split in two: prepareRun() does all validation that needs no data (so the
// CLI can also check the output path before anything heavy), executeRun() loads
// data, builds the model and trains.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/config/config_node.h"
#include "distributed/communicator.h"
#include "workloads/run_config.h"
#include "workloads/trainer.h"

namespace gaplab {

struct PreparedRun {
  ConfigDocument document;
  RunConfig config;
};

// Loads the YAML, applies overrides and workload defaults, validates the common
// sections. Throws ConfigError.
PreparedRun prepareRun(const std::string& configPath, const std::vector<std::string>& overrides);
// The same from YAML text (e.g. the resolved config stored in a checkpoint);
// `sourceName` names it in error messages.
PreparedRun prepareRunFromText(const std::string& yaml, const std::string& sourceName,
                               const std::vector<std::string>& overrides);

// Builds the workload (reads model/data keys; rejects unknown keys), then trains.
// Data errors propagate as std::runtime_error; training problems (divergence,
// budgets, signals) are statuses in the result. `checkpoints` (optional) says
// where to checkpoint and whether to resume (CheckpointError when the
// checkpoint belongs to another config or rank layout).
TrialResult executeRun(PreparedRun& run, Communicator& comm, ProgressSink* progress,
                       const std::atomic<bool>* stopRequested, const CheckpointPlan* checkpoints = nullptr,
                       TrialMonitor* monitor = nullptr);

// Sets the OpenMP and Eigen thread counts used by every CPU op.
void setComputeThreads(int threads);

}  // namespace gaplab
