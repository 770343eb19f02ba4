// workloads/workload_registry.cpp — see workload_registry.h.
#include "workloads/workload_registry.h"

#include <stdexcept>

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

double estimateTrialCost(const WorkloadEntry& entry, const RunConfig& run, const ConfigSection& root) {
  const double perStep = entry.estimateStepCost ? entry.estimateStepCost(run, root)
                                                : static_cast<double>(run.training.batchSize);
  return perStep * static_cast<double>(run.training.maxSteps);
}

std::vector<std::string> WorkloadRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : entries_) out.push_back(n);
  return out;
}

}  // namespace gaplab
