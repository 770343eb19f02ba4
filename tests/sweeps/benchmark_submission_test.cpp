// tests/sweeps/benchmark_submission_test.cpp — submission files: what they may
// set, external vs self-tuning, and every bad input named with file:line and key.
#include "sweeps/benchmark_submission.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/config/config_error.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

class BenchmarkSubmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_submission_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  // The ConfigError's message, or "" when load() succeeds.
  std::string errorOf(const std::string& text) {
    try {
      BenchmarkSubmission::load(write("s.yaml", text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected '" << (part) << "' in:\n" << (text)

TEST_F(BenchmarkSubmissionTest, ExternalSubmissionReadsSpaceAndLeadsWithTheOptimizer) {
  const BenchmarkSubmission s = BenchmarkSubmission::load(write("adam.yaml",
      "optimizer: adamw\nset: {optimizer.beta2: 0.999}\nspace:\n  optimizer.lr: {log_uniform: [1.0e-4, 1.0e-2]}\n"
      "  _omb1: {log_uniform: [0.02, 0.2]}\nderived:\n  optimizer.beta1: \"1 - _omb1\"\n"));
  EXPECT_EQ(s.name, "adam");  // the file stem
  EXPECT_EQ(s.tuning, SubmissionTuning::kExternal);
  ASSERT_GE(s.spec.overrides.size(), 2u);
  EXPECT_EQ(s.spec.overrides[0], "optimizer.name=adamw");
  EXPECT_EQ(s.spec.space.sampledDimensions(), 2);
  // The helper key is sampled and read by derived values, but never passed to --set.
  const TrialPoint p = s.spec.space.compose(TrialPoint{}, std::vector<double>{0.5, 0.5});
  for (const std::string& a : p.setAssignments()) EXPECT_NE(a.rfind("_omb1", 0), 0u) << a;
  ASSERT_NE(p.find("optimizer.beta1"), nullptr);
}

TEST_F(BenchmarkSubmissionTest, SelfTuningHasNoSpaceAndABudgetFactor) {
  const BenchmarkSubmission s = BenchmarkSubmission::load(
      write("self.yaml", "name: me\noptimizer: nadamw\ntuning: self\nbudget_factor: 2\nset: {optimizer.lr: 0.002}\n"));
  EXPECT_EQ(s.name, "me");
  EXPECT_EQ(s.tuning, SubmissionTuning::kSelf);
  EXPECT_DOUBLE_EQ(s.budgetFactor, 2.0);
  EXPECT_TRUE(s.spec.space.empty());
}

TEST_F(BenchmarkSubmissionTest, UnknownOptimizerIsNamedWithLine) {
  const std::string e = errorOf("name: x\noptimizer: adamax\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n");
  EXPECT_HAS(e, "s.yaml:2");
  EXPECT_HAS(e, "optimizer");
  EXPECT_HAS(e, "adamax");
}

TEST_F(BenchmarkSubmissionTest, KeysOutsideTheTrainingAlgorithmAreRefused) {
  std::string e = errorOf("optimizer: sgd\nspace:\n  optimizer.lr: {log_uniform: [0.001, 0.1]}\n  target.value: {uniform: [0.1, 0.2]}\n");
  EXPECT_HAS(e, "s.yaml:4");
  EXPECT_HAS(e, "target.value");
  EXPECT_HAS(e, "not a submission hyperparameter");
  e = errorOf("optimizer: sgd\nset: {training.max_steps: 10}\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n");
  EXPECT_HAS(e, "training.max_steps");
  e = errorOf("optimizer: sgd\nset: {optimizer.name: adamw}\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n");
  EXPECT_HAS(e, "top-level key `optimizer:`");
}

TEST_F(BenchmarkSubmissionTest, TuningModeMismatchesAreRefused) {
  EXPECT_HAS(errorOf("optimizer: sgd\n"), "space");  // external without a space
  EXPECT_HAS(errorOf("optimizer: sgd\ntuning: self\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n"),
             "set on a self-tuning submission");
  EXPECT_HAS(errorOf("optimizer: sgd\nbudget_factor: 3\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n"),
             "budget_factor");
  EXPECT_HAS(errorOf("optimizer: sgd\ntuning: sometimes\n"), "tuning");
  EXPECT_HAS(errorOf("space: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\n"), "optimizer");  // missing
  EXPECT_HAS(errorOf("optimizer: sgd\nspace: {optimizer.lr: {log_uniform: [0.001, 0.1]}}\ntrails: 3\n"), "trails");
}

TEST(SubmissionKeys, Allowed) {
  EXPECT_TRUE(isSubmissionKey("optimizer.lr"));
  EXPECT_TRUE(isSubmissionKey("schedule.warmup_fraction"));
  EXPECT_TRUE(isSubmissionKey("model.dropout"));
  EXPECT_TRUE(isSubmissionKey("_point"));
  EXPECT_FALSE(isSubmissionKey("model.widths"));
  EXPECT_FALSE(isSubmissionKey("optimizer."));
  EXPECT_FALSE(isSubmissionKey("seed"));
}

}  // namespace
}  // namespace gaplab
