// workloads/run_config.h — the validated settings of one training run.
//
// Why: the YAML is read in exactly one place. Workload defaults (from the
// registry) are merged under the user's file, `--set` overrides go on top, every
// key is range-checked, and keys nobody read are rejected. The resolved YAML is
// kept: it is stored with the results and hashed into the trial id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/compute_precision.h"
#include "core/config/config_node.h"
#include "core/tensor.h"
#include "workloads/trial_result.h"

namespace gaplab {

// training.track_weight_distance: whether every evaluation records ||w_t - w_0||
// (workloads/weight_distance.h); on keeps a copy of w_0 beside the model and in checkpoints.
enum class WeightDistanceTracking { kOff, kOn };

struct TrainingConfig {
  int64_t batchSize = 128;
  int64_t maxSteps = 10000;
  double maxRuntimeS = 600.0;
  int64_t evalEverySteps = 0;     // 0: use evalEverySeconds
  double evalEverySeconds = 0.0;  // timed seconds between evaluations; 0: use evalEverySteps
  double labelSmoothing = 0.0;
  double gradClipNorm = 0.0;      // 0: no clipping
  bool evalAtStart = false;       // also evaluate before the first step (continual evaluation needs the start)
  WeightDistanceTracking weightDistance = WeightDistanceTracking::kOff;
  // training.cuda_graph: capture the step as a CUDA graph and replay it (device:
  // cuda, one rank, no clipping, a workload with a staged batch; docs/cuda.md).
  bool cudaGraph = false;
};

struct OptimizerConfig {
  std::string name = "momentum";  // sgd, momentum, nesterov, adamw, nadamw, lamb
  double learningRate = 0.1;
  double momentum = 0.9;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 0.0;
};

struct ScheduleConfig {
  std::string name = "constant";  // constant, warmup_cosine, warmup_linear, step, wsd
  int64_t warmupSteps = 0;
  double floorRatio = 0.0;        // final lr as a fraction of the peak
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  double decayFraction = 0.2;     // wsd: share of the steps spent decaying
  int64_t totalSteps = 0;         // 0: training.max_steps
};

struct TargetConfig {
  std::string metric = "accuracy";
  TargetDirection direction = TargetDirection::kAtLeast;
  double value = 0.0;
};

// Data parallelism over the ranks of a run (mpirun -np N); unused with one rank.
struct DistributedConfig {
  double bucketMb = 25.0;  // gradient all-reduce bucket size in MiB (as PyTorch DDP's bucket_cap_mb)
};

struct RunConfig {
  std::string workload;
  uint64_t seed = 0;
  int threads = 2;
  // `device: cpu|cuda` and `precision: fp32|tf32|bf16` (tf32/bf16: cuda only).
  // Read with defaults that are not written into the resolved YAML, so runs that
  // do not set them keep their trial ids.
  Device device = Device::kCpu;
  ComputePrecision precision = ComputePrecision::kFp32;
  TrainingConfig training;
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  TargetConfig target;
  DistributedConfig distributed;
  std::string resolvedYaml;  // after defaults and overrides; set by the caller after the workload read its keys
};

// Reads the common sections (workload, seed, threads, training, optimizer,
// schedule, target, distributed). Workload-specific sections (model, data) are read by the
// workload's factory from the same document; then call doc.checkUnknownKeys().
RunConfig parseRunConfig(ConfigDocument& doc);

// Loads `path`, applies `overrides` ("key=value"), merges the named workload's
// defaults underneath. The workload name may come from the file or an override.
ConfigDocument loadRunDocument(const std::string& path, const std::vector<std::string>& overrides);
// The same for config text already in memory (`sourceName` names it in errors).
ConfigDocument parseRunDocument(const std::string& yaml, const std::string& sourceName,
                                const std::vector<std::string>& overrides);

// Stable 16-hex-digit id of a resolved config (FNV-1a 64).
std::string trialIdOf(const std::string& resolvedYaml);

}  // namespace gaplab
