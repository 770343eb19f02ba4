// cli/info_commands.cpp — `gaplab workloads`, `gaplab bench`, `gaplab summary`:
// the commands that report rather than train.
#include <cstdio>

#include <yaml-cpp/yaml.h>

#include "cli/commands.h"
#include "workloads/workload_targets.h"
#include "cli/exit_codes.h"
#include "cli/summary_printer.h"
#include "sweeps/result_store.h"
#include "core/device_memory.h"
#include "workloads/reference_benchmark.h"
#include "workloads/workload_registry.h"

namespace gaplab::cli {

int workloadsCommand() {
  const WorkloadRegistry& registry = WorkloadRegistry::instance();
  std::printf("%-20s %-28s %10s %10s %10s %8s  %s\n", "workload", "target (validation)", "max_steps", "max_time",
              "eval_every", "batch", "description");
  for (const auto& name : registry.names()) {
    const WorkloadEntry& e = registry.get(name);
    const YAML::Node d = e.defaults();
    // The target comes from the one table (workloads/workload_targets.cpp); "unset": not set yet.
    const WorkloadTarget& t = workloadTarget(name);
    char value[32] = "unset";
    if (t.value) std::snprintf(value, sizeof value, "%g", *t.value);
    const std::string target = t.metric + (t.direction == TargetDirection::kAtLeast ? " >= " : " <= ") + value;
    std::printf("%-20s %-28s %10s %9ss %10s %8s  %s\n", name.c_str(), target.c_str(),
                d["training"]["max_steps"].as<std::string>().c_str(),
                d["training"]["max_runtime_s"].as<std::string>().c_str(),
                (d["training"]["eval_every_steps"].as<std::string>() + " st").c_str(),
                d["training"]["batch_size"].as<std::string>().c_str(), e.description.c_str());
  }
  std::printf("\nEvery value is a default: override in the YAML or with --set (docs/workloads.md, docs/config.md).\n");
  return kExitOk;
}

int benchCommand(const BenchOptions& options) {
  BenchmarkOptions b;
  b.device = options.device;
  b.precision = options.precision;
  b.threads = options.threads;
  b.cases = options.cases;
  if (b.device == "cuda") {  // the PyTorch reference's GPU protocol
    b.warmupSteps = 5;
    b.timedSteps = 30;
  }
  try {
    runReferenceBenchmarks(b, [](const BenchmarkLine& line) {
      std::printf(line.value >= 100.0 ? "%s %.0f %s\n" : "%s %.2f %s\n", line.name.c_str(), line.value,
                  line.unit.c_str());
      std::fflush(stdout);
    });
  } catch (const DeviceOutOfMemory& e) {
    std::fprintf(stderr, "gaplab bench: %s\n", e.what());
    return kExitInternal;
  } catch (const std::runtime_error& e) {  // e.g. --device cuda without a usable GPU
    std::fprintf(stderr, "gaplab bench: %s\n", e.what());
    return kExitUsage;
  }
  return kExitOk;
}

int summaryCommand(const std::string& path) {
  std::vector<TrialResult> results;
  try {
    results = ResultStore::readAll(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gaplab summary: %s\n", e.what());
    return kExitOutput;
  }
  printSummaryTable(stdout, results);
  return kExitOk;
}

}  // namespace gaplab::cli
