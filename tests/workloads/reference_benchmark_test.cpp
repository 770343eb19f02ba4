// tests/workloads/reference_benchmark_test.cpp — the reference benchmark's case list, argument checks and one short run.
#include "workloads/reference_benchmark.h"

#include "core/device_memory.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class F>
std::string invalidArgumentOf(F&& action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return "";
}

TEST(ReferenceBenchmark, CpuCasesStartWithTheTwoMlpBatchSizes) {
  const std::vector<std::string> cases = referenceBenchmarkCases("cpu");
  ASSERT_GE(cases.size(), 2u);
  EXPECT_EQ(cases[0], "mlp_b128");
  EXPECT_EQ(cases[1], "mlp_b1024");
}

TEST(ReferenceBenchmark, CudaCasesAreTheGpuSizesOfDesign) {
  EXPECT_EQ(referenceBenchmarkCases("cuda"), (std::vector<std::string>{"mlp_b128", "mlp_b4096", "lm", "moe8k2",
                                                                      "mlp_b128_graph", "mlp_b4096_graph"}));
}

TEST(ReferenceBenchmark, GpuPrecisionOnTheCpuIsRefused) {
  BenchmarkOptions options;
  options.precision = "bf16";
  const std::string message = invalidArgumentOf([&] { runReferenceBenchmarks(options, [](const BenchmarkLine&) {}); });
  EXPECT_TRUE(contains(message, "--device cuda")) << message;
}

TEST(ReferenceBenchmark, CudaWithoutAGpuSaysWhy) {
  if (cudaAvailable()) GTEST_SKIP() << "a GPU is visible";
  BenchmarkOptions options;
  options.device = "cuda";
  options.cases = {"mlp_b128"};
  try {
    runReferenceBenchmarks(options, [](const BenchmarkLine&) {});
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "bench --device cuda")) << e.what();
    EXPECT_TRUE(contains(e.what(), cudaUnavailableReason())) << e.what();
  }
}

TEST(ReferenceBenchmark, UnknownDeviceThrows) {
  const std::string message = invalidArgumentOf([] { referenceBenchmarkCases("tpu"); });
  EXPECT_TRUE(contains(message, "'tpu'")) << message;
  EXPECT_TRUE(contains(message, "cpu or cuda")) << message;
  BenchmarkOptions options;
  options.device = "tpu";
  int reports = 0;
  EXPECT_THROW(runReferenceBenchmarks(options, [&](const BenchmarkLine&) { ++reports; }), std::invalid_argument);
  EXPECT_EQ(reports, 0);
}

TEST(ReferenceBenchmark, UnknownCaseThrowsBeforeRunningAnything) {
  BenchmarkOptions options;
  options.cases = {"mlp_b128", "mlp_b77"};
  int reports = 0;
  const std::string message =
      invalidArgumentOf([&] { runReferenceBenchmarks(options, [&](const BenchmarkLine&) { ++reports; }); });
  EXPECT_TRUE(contains(message, "unknown case 'mlp_b77'")) << message;
  EXPECT_TRUE(contains(message, "device cpu")) << message;
  EXPECT_TRUE(contains(message, "mlp_b128, mlp_b1024")) << message;
  EXPECT_EQ(reports, 0);  // validated up front, so mlp_b128 did not run
}

TEST(ReferenceBenchmark, OneTimedStepReportsOneLine) {
  BenchmarkOptions options;
  options.threads = 2;
  options.warmupSteps = 0;
  options.timedSteps = 1;
  options.cases = {"mlp_b128"};
  std::vector<BenchmarkLine> lines;
  runReferenceBenchmarks(options, [&](const BenchmarkLine& line) { lines.push_back(line); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].name, "mlp_b128");
  EXPECT_EQ(lines[0].unit, "samples/s");
  EXPECT_GT(lines[0].value, 0.0);
}

}  // namespace
}  // namespace gaplab
