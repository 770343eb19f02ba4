// workloads/workload_registry.cpp — see workload_registry.h.
#include "workloads/workload_registry.h"

#include <stdexcept>

#include "workloads/workload_targets.h"

namespace gaplab {

WorkloadRegistry& WorkloadRegistry::instance() {
  static WorkloadRegistry* registry = [] {
    auto* r = new WorkloadRegistry();
    registerFashionMnistWorkloads(*r);
    registerLanguageModelWorkloads(*r);
    registerNoopWorkload(*r);
    return r;
  }();
  return *registry;
}

void WorkloadRegistry::add(WorkloadEntry entry) {
  const std::string name = entry.name;
  if (!entries_.emplace(name, std::move(entry)).second)
    throw std::logic_error("workload '" + name + "' is registered twice");
}

const WorkloadEntry& WorkloadRegistry::get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::string list;
    for (const auto& [n, e] : entries_) list += (list.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown workload '" + name + "'; registered: " + list);
  }
  return it->second;
}

WorkloadEntry makeWorkloadVariant(const WorkloadEntry& base, std::string name, std::string description,
                                  const std::vector<std::pair<std::string, std::string>>& changes) {
  YAML::Node defaults = YAML::Load(base.defaultsYaml);
  for (const auto& [key, value] : changes) {
    const std::size_t dot = key.find('.');
    // The section must be one of the base's; the key may be new to the defaults
    // (fmnist_cnn reads model.norm without listing it): the workload's factory
    // rejects a key it does not read the first time the variant runs.
    if (dot == std::string::npos || !defaults[key.substr(0, dot)])
      throw std::logic_error("variant '" + name + "' of '" + base.name + "': '" + key +
                             "' is not in a default section");
    defaults[key.substr(0, dot)][key.substr(dot + 1)] = YAML::Load(value);
  }
  defaults["target"] = YAML::Load(targetDefaultsYaml(name))["target"];
  YAML::Emitter out;
  out << defaults;
  WorkloadEntry entry = base;
  entry.name = std::move(name);
  entry.description = std::move(description);
  entry.defaultsYaml = out.c_str();
  return entry;
}

double estimateTrialCost(const WorkloadEntry& entry, const RunConfig& run, const ConfigSection& root) {
  if (entry.estimateTrialCost) return entry.estimateTrialCost(run, root);
  return static_cast<double>(run.training.batchSize) * static_cast<double>(run.training.maxSteps);
}

std::vector<std::string> WorkloadRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : entries_) out.push_back(n);
  return out;
}

}  // namespace gaplab
