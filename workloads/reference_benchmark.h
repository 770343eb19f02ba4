// workloads/reference_benchmark.h — the fixed training benchmarks of DESIGN.md
// ("Reference benchmarks"), timed the same way as ../shared/bench/pytorch_reference.py
// so the two can be compared as a ratio on one machine.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gaplab {

struct BenchmarkLine {
  std::string name;   // e.g. "mlp_b128"
  double value = 0.0;
  std::string unit;   // e.g. "samples/s"
};

struct BenchmarkOptions {
  std::string device = "cpu";
  int threads = 2;
  int warmupSteps = 3;
  int timedSteps = 10;
  std::vector<std::string> cases;  // empty: every case of the device
};

// Runs each case and calls `report` as soon as its line is ready.
// Throws std::invalid_argument for an unknown device or case.
void runReferenceBenchmarks(const BenchmarkOptions& options, const std::function<void(const BenchmarkLine&)>& report);

std::vector<std::string> referenceBenchmarkCases(const std::string& device);

}  // namespace gaplab
