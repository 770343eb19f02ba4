// tests/sweeps/benchmark_plan_test.cpp — the sweeps a benchmark runs: one per
// workload, the suite's caps, self-tuning's larger budget and single trial per
// study, and the workloads it must refuse before anything runs.
#include "sweeps/benchmark_plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/config/config_error.h"
#include "sweeps/trial_plan.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

class BenchmarkPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_benchplan_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    external_ = load("ext.yaml", "optimizer: sgd\nspace: {optimizer.lr: {log_uniform: [0.01, 0.2]}}\n");
    self_ = load("self.yaml", "optimizer: sgd\ntuning: self\nbudget_factor: 3\nset: {optimizer.lr: 0.1}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  BenchmarkSubmission load(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return BenchmarkSubmission::load(p.string());
  }
  BenchmarkSuite noopSuite() const {
    BenchmarkSuite s;
    s.name = "test";
    s.workloads = {"noop"};
    s.studies = 3;
    s.trials = 2;
    s.workloadOverrides = {"training.max_steps=10"};
    return s;
  }
  fs::path dir_;
  BenchmarkSubmission external_, self_;
};

TEST_F(BenchmarkPlanTest, OneSweepPerWorkloadSelfTuningGetsOneTrialPerStudyAndItsBudget) {
  const std::vector<SweepSpec> sweeps = planBenchmark(noopSuite(), {external_, self_});
  ASSERT_EQ(sweeps.size(), 1u);
  const SweepSpec& spec = sweeps[0];
  EXPECT_EQ(spec.workload, "noop");
  ASSERT_EQ(spec.submissions.size(), 2u);
  TrialPlan plan(spec, {});
  EXPECT_EQ(plan.total(), 3 * 2 + 3 * 1);  // external: studies x trials; self: one per study
  int selfTrials = 0;
  for (const PlannedTrial& t : plan.remainingInOrder()) {
    if (t.submissionName != "self") continue;
    ++selfTrials;
    EXPECT_NE(std::find(t.overrides.begin(), t.overrides.end(), "training.max_steps=30"), t.overrides.end());
  }
  EXPECT_EQ(selfTrials, 3);
}

TEST_F(BenchmarkPlanTest, QuickSuiteCapsBudgets) {
  BenchmarkSuite quick = benchmarkSuite("quick");
  const std::vector<SweepSpec> sweeps = planBenchmark(quick, {external_});
  ASSERT_EQ(sweeps.size(), quick.workloads.size());
  for (const SweepSpec& s : sweeps) {
    EXPECT_NE(std::find(s.overrides.begin(), s.overrides.end(), "training.max_steps=" + std::to_string(quick.maxStepsCap)),
              s.overrides.end());
    EXPECT_EQ(s.studies, quick.studies);
  }
  EXPECT_THROW(benchmarkSuite("huge"), std::invalid_argument);
  for (const std::string& w : benchmarkSuite("full").workloads) EXPECT_NE(w, "noop");
}

TEST_F(BenchmarkPlanTest, WorkloadWithoutTargetIsRefusedWithTheProcedure) {
  BenchmarkSuite s = noopSuite();
  s.workloads = {"noop", "lm_rmsnorm"};  // a variant whose target is not set (docs/workloads.md)
  try {
    planBenchmark(s, {external_});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("workload lm_rmsnorm has no target yet; set it with scripts/set_targets.sh"),
              std::string::npos) << e.what();
  }
  s.workloads = {"no_such_workload"};
  EXPECT_THROW(planBenchmark(s, {external_}), std::invalid_argument);
}

TEST_F(BenchmarkPlanTest, UnknownHyperparameterIsNamedWithTheSubmissionFile) {
  const BenchmarkSubmission bad = load("bad.yaml", "optimizer: sgd\nspace: {optimizer.learning_rate: {log_uniform: [0.01, 0.2]}}\n");
  try {
    planBenchmark(noopSuite(), {bad});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("learning_rate"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.yaml"), std::string::npos) << e.what();
  }
  // An Adam key on an SGD submission: refused by the run config, named the same way.
  const BenchmarkSubmission wrong = load("wrong.yaml", "optimizer: sgd\nset: {optimizer.beta1: 0.9}\nspace: {optimizer.lr: {log_uniform: [0.01, 0.2]}}\n");
  EXPECT_THROW(planBenchmark(noopSuite(), {wrong}), ConfigError);
  EXPECT_THROW(planBenchmark(noopSuite(), {external_, external_}), ConfigError);  // duplicate names
}

}  // namespace
}  // namespace gaplab
