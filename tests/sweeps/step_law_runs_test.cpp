// tests/sweeps/step_law_runs_test.cpp — which recorded trials a Step Law fit
// counts, and the N, D, lr, batch and loss it reads from them.
//
// Why: `gaplab steplaw` and `gaplab analyze scaling` both fit these runs; a
// trial that stopped before its token budget, counted by mistake, would put
// the loss of a shorter run at D.
#include "sweeps/step_law_runs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "sweeps/lm_trial_config.h"

namespace gaplab {
namespace {

TrialResult lmTrial(const std::string& id, TrialStatus status, int64_t steps, int64_t budget = 4096) {
  TrialResult t;
  t.trialId = id;
  t.workload = "lm";
  t.configYaml = "workload: lm\nmodel: {layers: 2, width: 16, heads: 2, context: 64}\n"
                 "data: {token_budget: " + std::to_string(budget) + "}\ntraining: {batch_size: 4}\noptimizer: {lr: 0.01}\n";
  t.status = status;
  t.steps = steps;
  EvalRecord r;
  r.step = steps;
  r.trainLoss = 2.5;
  r.validationLoss = 2.7;
  t.curve.push_back(r);
  return t;
}

TEST(StepLawRuns, ReadsNDLrBatchAndTheChosenLoss) {
  const TrialResult t = lmTrial("a", TrialStatus::kMaxSteps, 16);  // 16 steps x 4 x 64 = 4096 tokens
  StepLawSweepRuns s = stepLawRunsOf({t}, StepLawLoss::kTrain);
  ASSERT_EQ(s.runs.size(), 1u);
  EXPECT_TRUE(s.skipped.empty());
  const StepLawRun& r = s.runs[0];
  EXPECT_EQ(r.label, "a");
  EXPECT_EQ(r.params, static_cast<double>(readLmTrialConfig(t).counts.nonEmbedding));
  EXPECT_EQ(r.params, 24.0 * 16 * 16 + 284.0 * 16);  // the quick study's N of width 16
  EXPECT_EQ(r.tokens, 4096.0);
  EXPECT_EQ(r.learningRate, 0.01);
  EXPECT_EQ(r.batchTokens, 256.0);
  EXPECT_EQ(r.finalLoss, 2.5);
  s = stepLawRunsOf({t}, StepLawLoss::kValidation);
  EXPECT_EQ(s.runs.at(0).finalLoss, 2.7);
}

TEST(StepLawRuns, SkipsTrialsThatDidNotTrainTheirBudgetAndKeepsDivergedOnesAsNan) {
  TrialResult mlp;
  mlp.trialId = "m";
  mlp.workload = "fmnist_mlp";
  const StepLawSweepRuns s = stepLawRunsOf({lmTrial("short", TrialStatus::kReachedTarget, 8),   // half the budget
                                            lmTrial("early", TrialStatus::kStoppedEarly, 16),
                                            lmTrial("div", TrialStatus::kDiverged, 3), mlp,
                                            lmTrial("ok", TrialStatus::kMaxRuntime, 16)},
                                           StepLawLoss::kTrain);
  ASSERT_EQ(s.runs.size(), 2u);
  EXPECT_EQ(s.runs[0].label, "div");
  EXPECT_TRUE(std::isnan(s.runs[0].finalLoss));
  EXPECT_EQ(s.runs[0].tokens, 4096.0);  // D is the budget, not what it trained before diverging
  EXPECT_EQ(s.runs[1].label, "ok");
  ASSERT_EQ(s.skipped.size(), 3u);
  EXPECT_NE(s.skipped[0].find("trial short: stopped after 2048 of its 4096 tokens"), std::string::npos) << s.skipped[0];
  EXPECT_NE(s.skipped[1].find("trial early: status"), std::string::npos) << s.skipped[1];
  EXPECT_NE(s.skipped[2].find("workload 'fmnist_mlp' is not lm or moe_lm"), std::string::npos) << s.skipped[2];
}

TEST(StepLawRuns, ABadLmConfigNamesTheTrial) {
  TrialResult t = lmTrial("bad", TrialStatus::kMaxSteps, 16);
  t.configYaml = "workload: lm\nmodel: {width: -3}\n";
  try {
    stepLawRunsOf({t}, StepLawLoss::kTrain);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'bad'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
