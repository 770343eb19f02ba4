// sweeps/benchmark_plan.cpp — see benchmark_plan.h.
#include "sweeps/benchmark_plan.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "core/config/config_error.h"
#include "workloads/workload_registry.h"
#include "workloads/workload_targets.h"

namespace gaplab {

BenchmarkSuite benchmarkSuite(const std::string& name) {
  BenchmarkSuite s;
  s.name = name;
  if (name == "quick") {
    // 3 workloads x 2 submissions x 3 studies x 3 trials = 54 short trials: about 10 minutes on
    // 2 cores (mpirun -np 3: two workers, one thread each). 3 studies, so that "more than half
    // of the studies" means something; budgets capped at 3 epochs (the targets' reference budget).
    s.workloads = {"fmnist_mlp_small", "fmnist_mlp", "fmnist_mlp_gelu"};
    s.studies = 3;
    s.trials = 3;
    s.maxStepsCap = 1404;
    s.maxRuntimeCapS = 150;
    return s;
  }
  if (name == "full") {
    // Every registered workload with a target but the scheduler's noop: base workloads and variants.
    for (const WorkloadTarget& t : workloadTargets())
      if (t.value && t.workload != "noop") s.workloads.push_back(t.workload);
    s.studies = 5;
    s.trials = 5;
    return s;
  }
  throw std::invalid_argument("--suite " + name + ": expected quick or full");
}

std::vector<SweepSpec> planBenchmark(const BenchmarkSuite& suite, const std::vector<BenchmarkSubmission>& submissions) {
  if (suite.workloads.empty()) throw std::invalid_argument("benchmark: no workloads to run");
  if (submissions.empty()) throw std::invalid_argument("benchmark: no submission files");
  std::set<std::string> names;
  for (const BenchmarkSubmission& s : submissions)
    if (!names.insert(s.name).second)
      throw ConfigError(s.path + ": submission name '" + s.name + "' is used by another submission file; names must differ");

  std::vector<SweepSpec> sweeps;
  for (const std::string& workload : suite.workloads) {
    const WorkloadEntry& entry = WorkloadRegistry::instance().get(workload);  // invalid_argument listing the names
    const WorkloadTarget& target = workloadTarget(workload);
    if (!target.value)
      throw ConfigError("workload " + workload + " has no target yet; set it with scripts/set_targets.sh " + workload +
                        " STEPS \"SETTING ...\" (docs/workloads.md) and add it to workloads/workload_targets.cpp");
    const YAML::Node defaults = entry.defaults();
    int64_t maxSteps = defaults["training"]["max_steps"].as<int64_t>();
    double maxRuntime = defaults["training"]["max_runtime_s"].as<double>();
    if (suite.maxStepsCap > 0) maxSteps = std::min(maxSteps, suite.maxStepsCap);
    if (suite.maxRuntimeCapS > 0) maxRuntime = std::min(maxRuntime, suite.maxRuntimeCapS);
    // A --set budget replaces the suite's (and is what a self-tuning budget_factor multiplies).
    for (const std::string& o : suite.workloadOverrides) {
      const std::string key = o.substr(0, o.find('=')), value = o.substr(o.find('=') + 1);
      try {
        if (key == "training.max_steps") maxSteps = std::stoll(value);
        if (key == "training.max_runtime_s") maxRuntime = std::stod(value);
      } catch (const std::exception&) {
        throw ConfigError("--set " + o + ": expected a number");
      }
    }

    SweepSpec spec;
    spec.path = "benchmark " + suite.name + ", workload " + workload;
    spec.name = "benchmark_" + workload;
    spec.basePath = "benchmark:" + workload;
    spec.baseYaml = "workload: " + workload + "\n";
    spec.overrides = {"training.max_steps=" + std::to_string(maxSteps), "training.max_runtime_s=" + exactNumberText(maxRuntime)};
    for (const std::string& o : suite.workloadOverrides)
      if (o.rfind("training.max_steps=", 0) != 0 && o.rfind("training.max_runtime_s=", 0) != 0) spec.overrides.push_back(o);
    spec.sampler = SamplerKind::kHalton;
    spec.trials = suite.trials;
    spec.studies = suite.studies;
    spec.definitionYaml = "# gaplab benchmark, suite " + suite.name + ", workload " + workload + "\n";
    for (const BenchmarkSubmission& s : submissions) {
      SubmissionSpec sub = s.spec;
      if (s.tuning == SubmissionTuning::kSelf) {
        // Self-tuning: no tuning trials, a larger budget instead (AlgoPerf: 3x).
        sub.overrides.push_back("training.max_steps=" +
                                std::to_string(static_cast<int64_t>(std::llround(maxSteps * s.budgetFactor))));
        sub.overrides.push_back("training.max_runtime_s=" + exactNumberText(maxRuntime * s.budgetFactor));
      }
      spec.submissions.push_back(std::move(sub));
      spec.definitionYaml += "# submission " + s.path + "\n" + s.text + "\n";
    }
    spec.finish();  // unknown keys of a submission on this workload: ConfigError naming the submission file
    sweeps.push_back(std::move(spec));
  }
  return sweeps;
}

}  // namespace gaplab
