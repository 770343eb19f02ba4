// cli/info_commands.cpp — `gaplab workloads`, `gaplab bench`, `gaplab summary`:
// the commands that report rather than train.
#include <cstdio>

#include <yaml-cpp/yaml.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/summary_printer.h"
#include "sweeps/result_store.h"
#include "workloads/reference_benchmark.h"
#include "workloads/workload_registry.h"

namespace gaplab::cli {

int workloadsCommand() {
  const WorkloadRegistry& registry = WorkloadRegistry::instance();
  std::printf("%-12s %-28s %10s %10s %10s %8s  %s\n", "workload", "target (validation)", "max_steps", "max_time",
              "eval_every", "batch", "description");
  for (const auto& name : registry.names()) {
    const WorkloadEntry& e = registry.get(name);
    const YAML::Node d = e.defaults();
    // The direction follows the metric (docs/config.md): accuracy rises, the rest fall.
    const std::string metric = d["target"]["metric"].as<std::string>();
    const std::string target = metric + (metric == "accuracy" ? " >= " : " <= ") + d["target"]["value"].as<std::string>();
    std::printf("%-12s %-28s %10s %9ss %10s %8s  %s\n", name.c_str(), target.c_str(),
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
  b.threads = options.threads;
  b.cases = options.cases;
  runReferenceBenchmarks(b, [](const BenchmarkLine& line) {
    std::printf("%s %.0f %s\n", line.name.c_str(), line.value, line.unit.c_str());
    std::fflush(stdout);
  });
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
