// tests/sweeps/moe_sparsity_table_test.cpp — the MoE sparsity table (and the
// config facts under it, sweeps/lm_trial_config) on hand-made trials whose
// parameter counts are worked out below.
//
// Why: total and active parameters are the x-axes of the MoE sparsity study;
// an off-by-one expert or a router counted twice would shift every point.
#include "sweeps/moe_sparsity_table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweeps/lm_trial_config.h"

namespace gaplab {
namespace {

// A tiny GPT: 1 layer, width 8, 2 heads, context 4, mlp_ratio 2 (hidden 16),
// LayerNorm, GELU, untied head, vocab 256.
//   embeddings: tok 256*8 = 2048 + pos 4*8 = 32 = 2080;  final norm 16;  head 256*8 = 2048
//   block without FFN: norm1 16 + qkv (24*8 + 24) 216 + proj (8*8 + 8) 72 + norm2 16 = 320
//   dense FFN: fc1 16*8 + 16 = 144, fc2 8*16 + 8 = 136 -> 280
//   MoE FFN with E experts: router E*8, each expert w1 16*8 + w2 8*16 = 256 (no biases)
// dense:      total = 2080 + 320 + 280 + 16 + 2048 = 4744, active 4744
// E=2, k=1:   total = 2080 + 320 + 16 + 512 + 16 + 2048 = 4992, active 4992 - 1*256 = 4736
// E=4, k=1:   total = 2080 + 320 + 32 + 1024 + 16 + 2048 = 5520, active 5520 - 3*256 = 4752
// E=4, k=2:   total 5520, active 5520 - 2*256 = 5008
std::string configOf(int experts, int topK, const std::string& corpus) {
  std::string yaml = "model:\n  layers: 1\n  width: 8\n  heads: 2\n  context: 4\n  mlp_ratio: 2\n";
  if (experts == 0)
    yaml += "  moe_every: 0\n";
  else
    yaml += "  moe_every: 1\n  experts: " + std::to_string(experts) + "\n  top_k: " + std::to_string(topK) + "\n";
  return yaml + "data:\n  corpus: [" + corpus + "]\n  token_budget: 4800\ntraining:\n  batch_size: 2\noptimizer:\n  lr: 0.01\n";
}

TrialResult trial(const std::string& id, int experts, int topK, int64_t parameters, double validationLoss) {
  TrialResult t;
  t.trialId = id;
  t.workload = experts == 0 ? "lm" : "moe_lm";
  t.configYaml = configOf(experts, topK, "reasoning");
  t.status = TrialStatus::kMaxSteps;
  t.parameterCount = parameters;
  EvalRecord first;
  first.step = 50;
  first.validationLoss = 9.0;  // not the final evaluation: must not be used
  EvalRecord last;
  last.step = 100;
  last.trainLoss = 1.5;
  last.evalTrainLoss = 1.25;
  last.validationLoss = validationLoss;
  last.validationMetric = validationLoss / std::log(2.0);
  last.extras = {{"eval_train/next_byte_accuracy", 0.9}, {"validation/next_byte_accuracy", 0.4}};
  if (experts > 0)
    last.extras.insert(last.extras.end(), {{"eval_train/moe_load_cv", 0.9},
                                           {"validation/moe_load_cv", 0.1 * experts},
                                           {"validation/moe_dropped_fraction", 0.0}});
  last.extras.push_back({"validation/exact_match", 0.25});
  t.curve = {first, last};
  return t;
}

TEST(MoeSparsityTable, RowsSortedByTotalThenActiveWithHandCounts) {
  // Given in reverse of the expected order.
  const std::vector<TrialResult> trials = {trial("e4k2", 4, 2, 5520, 1.75), trial("e4k1", 4, 1, 5520, 2.0),
                                           trial("e2k1", 2, 1, 4992, 2.25), trial("dense", 0, 0, 4744, 2.5)};
  const MoeSparsityTable table = buildMoeSparsityTable(trials);
  EXPECT_TRUE(table.skipped.empty());
  ASSERT_EQ(table.rows.size(), 4u);
  struct Expected {
    const char* id;
    int64_t experts, topK, total, active;
  };
  const Expected expected[] = {{"dense", 1, 1, 4744, 4744},
                               {"e2k1", 2, 1, 4992, 4736},
                               {"e4k1", 4, 1, 5520, 4752},
                               {"e4k2", 4, 2, 5520, 5008}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(expected[i].id);
    const MoeSparsityRow& r = table.rows[i];
    EXPECT_EQ(r.trialId, expected[i].id);
    EXPECT_EQ(r.experts, expected[i].experts);
    EXPECT_EQ(r.topK, expected[i].topK);
    EXPECT_EQ(r.totalParameters, expected[i].total);
    EXPECT_EQ(r.activeParameters, expected[i].active);
    EXPECT_EQ(r.corpus, "reasoning");
    EXPECT_EQ(r.steps, 100);
  }
  // Losses and gap from the final evaluation: e4k2 validation 1.75 - eval-train 1.25 = 0.5.
  const MoeSparsityRow& e4k2 = table.rows[3];
  EXPECT_DOUBLE_EQ(e4k2.trainLoss, 1.5);
  EXPECT_DOUBLE_EQ(e4k2.validationLoss, 1.75);
  EXPECT_DOUBLE_EQ(e4k2.lossGap, 0.5);
  EXPECT_DOUBLE_EQ(e4k2.validationBitsPerByte, 1.75 / std::log(2.0));
  EXPECT_DOUBLE_EQ(e4k2.nextByteAccuracy, 0.4);  // the validation one, not eval_train's 0.9
  EXPECT_DOUBLE_EQ(e4k2.exactMatch, 0.25);
  EXPECT_DOUBLE_EQ(e4k2.expertLoadCv, 0.4);
  EXPECT_DOUBLE_EQ(e4k2.droppedFraction, 0.0);
  // Dense: no MoE extras recorded -> NaN.
  EXPECT_TRUE(std::isnan(table.rows[0].expertLoadCv));
  EXPECT_TRUE(std::isnan(table.rows[0].droppedFraction));
}

TEST(MoeSparsityTable, SkipsOtherWorkloadsAndTrialsWithoutEvaluations) {
  TrialResult mlp = trial("mlp", 0, 0, 4744, 1.0);
  mlp.workload = "fmnist_mlp";
  TrialResult failed = trial("failed", 2, 1, 4992, 1.0);
  failed.curve.clear();
  failed.status = TrialStatus::kFailed;
  const MoeSparsityTable table = buildMoeSparsityTable({mlp, failed, trial("ok", 0, 0, 4744, 1.0)});
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].trialId, "ok");
  ASSERT_EQ(table.skipped.size(), 2u);
  EXPECT_NE(table.skipped[0].find("fmnist_mlp"), std::string::npos);
  EXPECT_NE(table.skipped[1].find("no evaluation"), std::string::npos);
}

TEST(MoeSparsityTable, RejectsAParameterCountThatDisagreesWithTheConfig) {
  try {
    buildMoeSparsityTable({trial("off", 4, 1, 5521, 1.0)});
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'off'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("5520"), std::string::npos) << e.what();
  }
  TrialResult bad = trial("bad", 4, 1, 5520, 1.0);
  bad.configYaml = configOf(4, 9, "reasoning");  // top_k > experts: a config error, named
  try {
    buildMoeSparsityTable({bad});
    ADD_FAILURE() << "accepted top_k 9 of 4 experts";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("top_k"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'bad'"), std::string::npos) << e.what();
  }
}

// LmTrialConfig on the dense model with 3 ranks: N = 4744 - 2080 = 2664 non-embedding;
// batch tokens = batch_size 2 * ranks 3 * sequence_length (0 -> context 4) = 24.
TEST(LmTrialConfig, ReadsNDLearningRateAndBatchTokens) {
  TrialResult t = trial("dense", 0, 0, 4744, 1.0);
  t.ranks = 3;
  const LmTrialConfig c = readLmTrialConfig(t);
  EXPECT_EQ(c.counts.total, 4744);
  EXPECT_EQ(c.counts.nonEmbedding, 2664);
  EXPECT_EQ(c.sequenceLength, 4);
  EXPECT_EQ(c.batchTokens, 24);
  EXPECT_EQ(c.tokenBudget, 4800);
  EXPECT_DOUBLE_EQ(c.learningRate, 0.01);
  EXPECT_EQ(corpusLabel(c), "reasoning");
  t.workload = "fmnist_mlp";
  EXPECT_THROW(readLmTrialConfig(t), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
