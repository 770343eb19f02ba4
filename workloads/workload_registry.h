// workloads/workload_registry.h — name -> (defaults, factory) for every workload.
//
// Why: the CLI, the sweep engine and library users find workloads by name, and
// `gaplab workloads` lists them with their targets and budgets. A workload's
// defaults are a YAML document merged under the user's config, so its target
// and budget are ordinary, overridable config keys.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/config_node.h"
#include "workloads/run_config.h"
#include "workloads/workload.h"

namespace gaplab {

class Communicator;

// Everything a factory may use to build its workload.
struct WorkloadContext {
  const RunConfig& run;
  ConfigSection root;   // read "model" and "data" (and any workload keys) from here
  Communicator& comm;
  // A factory calls this once every key it uses is read and before it loads data or
  // builds the model, so that unknown keys are reported before any heavy work.
  std::function<void()> keysRead = [] {};
};

using WorkloadFactory = std::function<std::unique_ptr<Workload>(WorkloadContext&)>;

struct WorkloadEntry {
  std::string name;
  std::string description;
  std::string defaultsYaml;  // every default of the workload, incl. target and budget
  std::string metric;        // the workload's validation metric, e.g. "accuracy", "bits_per_byte"
  WorkloadFactory factory;
  // Optional: the relative cost of a whole trial of this config (about
  // 6 x parameters x examples trained for dense models), so that a sweep can
  // start the longest trials first. Reads keys from `root` without building
  // anything. Absent: batch size x max_steps.
  std::function<double(const RunConfig&, const ConfigSection& root)> estimateTrialCost;
  YAML::Node defaults() const { return YAML::Load(defaultsYaml); }
};

class WorkloadRegistry {
 public:
  static WorkloadRegistry& instance();  // holds the built-in workloads
  void add(WorkloadEntry entry);        // throws on a duplicate name
  const WorkloadEntry& get(const std::string& name) const;  // throws listing the names
  std::vector<std::string> names() const;

 private:
  std::map<std::string, WorkloadEntry> entries_;
};

// Register the built-in workloads; instance() calls them once.
void registerFashionMnistWorkloads(WorkloadRegistry& registry);    // fmnist_mlp, fmnist_cnn
void registerLanguageModelWorkloads(WorkloadRegistry& registry);   // lm, moe_lm
void registerNoopWorkload(WorkloadRegistry& registry);             // noop (scheduler tests and benchmarks)

// A workload variant (as AlgoPerf's): `base`'s defaults with some keys changed
// (dotted key -> YAML text, e.g. {"model.activation", "gelu"}) and the variant's
// own target from the targets table (workloads/workload_targets.h). Same factory.
WorkloadEntry makeWorkloadVariant(const WorkloadEntry& base, std::string name, std::string description,
                                  const std::vector<std::pair<std::string, std::string>>& changes);

// The estimated cost of a whole trial: training.max_steps x the entry's step cost.
double estimateTrialCost(const WorkloadEntry& entry, const RunConfig& run, const ConfigSection& root);

}  // namespace gaplab
