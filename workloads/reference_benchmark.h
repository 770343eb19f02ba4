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
  // cuda only: fp32, tf32 or bf16; empty = tf32, what the PyTorch reference
  // uses on the GPU (torch.backends.cuda.matmul.allow_tf32 = True).
  std::string precision;
  int threads = 2;
  int warmupSteps = 3;   // the PyTorch reference: 3 on cpu, 5 on cuda
  int timedSteps = 10;   // the PyTorch reference: 10 on cpu, 30 on cuda
  std::vector<std::string> cases;  // empty: every case of the device
};

// Runs each case and calls `report` as soon as its line is ready. On cuda, the
// lm case is followed by `lm_mfu <percent> %`: achieved training FLOP/s
// (countGptParameters().flopsPerToken x tokens/s) over the device's dense peak
// at the precision used (H100 SXM figures unless the device name says PCIe).
// Throws std::invalid_argument for an unknown device or case.
void runReferenceBenchmarks(const BenchmarkOptions& options, const std::function<void(const BenchmarkLine&)>& report);

std::vector<std::string> referenceBenchmarkCases(const std::string& device);

}  // namespace gaplab
