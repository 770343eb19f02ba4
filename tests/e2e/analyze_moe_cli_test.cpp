// tests/e2e/analyze_moe_cli_test.cpp — `gaplab analyze moe` on a results file
// of hand-made MoE sparsity trials (known table, grouped over seeds), its
// refusal of a file without language-model trials (exit 6, naming the file),
// and the dry runs of the study's quick and full sweep configs.
//
// Why: the study's answer is what this command prints; the row numbers are
// covered by tests/sweeps/moe_sparsity_table_test.cpp, these cover the file,
// the aggregation over seeds, the summaries, the wiring and the exit codes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sweeps/result_store.h"
#include "tests/e2e/results_file_test.h"
#include "tests/e2e/gaplab_process.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

using e2e::Outcome;
using e2e::runGaplab;

const std::string kStudies = std::string(GAPLAB_SOURCE_DIR) + "/examples/studies";

// The tiny GPT of tests/sweeps/moe_sparsity_table_test.cpp (1 layer, width 8,
// mlp_ratio 2): dense 4744 parameters; E=2 4992 (active 4736 at top-1);
// E=4 5520 (active 4752 at top-1, 5008 at top-2). experts 0: dense.
TrialResult moeTrial(const std::string& id, const std::string& corpus, int experts, int topK, int64_t parameters,
                     uint64_t seed, double validationLoss, double exactMatch,
                     TrialStatus status = TrialStatus::kMaxSteps) {
  TrialResult t;
  t.trialId = id;
  t.workload = "moe_lm";
  std::string yaml = "workload: moe_lm\nmodel:\n  layers: 1\n  width: 8\n  heads: 2\n  context: 4\n  mlp_ratio: 2\n";
  if (experts == 0)
    yaml += "  moe_every: 0\n";
  else
    yaml += "  moe_every: 1\n  experts: " + std::to_string(experts) + "\n  top_k: " + std::to_string(topK) + "\n";
  t.configYaml = yaml + "data:\n  corpus: [" + corpus + "]\n  token_budget: 800\ntraining:\n  batch_size: 2\n";
  t.seed = seed;
  t.study = static_cast<int>(seed);
  t.status = status;
  t.metricName = "bits_per_byte";
  t.parameterCount = parameters;
  t.steps = 100;
  EvalRecord last;
  last.step = 100;
  last.trainLoss = 1.5;
  last.evalTrainLoss = 1.25;
  last.validationLoss = validationLoss;
  last.validationMetric = validationLoss / std::log(2.0);
  last.extras = {{"validation/next_byte_accuracy", 0.4}, {"validation/exact_match", exactMatch}};
  if (experts > 0)
    last.extras.insert(last.extras.end(),
                       {{"validation/moe_load_cv", 0.1 * experts}, {"validation/moe_dropped_fraction", 0.0}});
  t.curve = {last};
  return t;
}

TrialResult mlpTrial(const std::string& id) {
  TrialResult t;
  t.trialId = id;
  t.workload = "fmnist_mlp";
  t.configYaml = "workload: fmnist_mlp\n";
  t.status = TrialStatus::kMaxSteps;
  t.metricName = "accuracy";
  EvalRecord r;
  r.step = 10;
  r.validationMetric = 0.8;
  t.curve = {r};
  return t;
}

class AnalyzeMoeCliTest : public ResultsFileTest {};

TEST_F(AnalyzeMoeCliTest, PrintsTheTableOverSeedsAndTheSummaries) {
  const std::string path = store(
      "moe.h5", {moeTrial("dense_s0", "reasoning", 0, 0, 4744, 0, 2.5, 0.2),
                 moeTrial("dense_s1", "reasoning", 0, 0, 4744, 1, 2.3, 0.3),
                 moeTrial("e4k1_s0", "reasoning", 4, 1, 5520, 0, 2.0, 0.3),
                 moeTrial("e4k1_s1", "reasoning", 4, 1, 5520, 1, 2.2, 0.4),
                 moeTrial("e4k2_s0", "reasoning", 4, 2, 5520, 0, 1.9, 0.5),
                 moeTrial("e2k1_s0", "memorization", 2, 1, 4992, 0, 3.0, 0.0),
                 moeTrial("e4k2_s1", "reasoning", 4, 2, 5520, 1, 9.9, 0.0, TrialStatus::kDiverged),
                 mlpTrial("mlp")});
  const Outcome o = runGaplab("analyze moe " + path + " --plot " + (dir_ / "plots").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  EXPECT_HAS(o, "6 trial(s), 4 configuration(s) x task");
  // config experts top-k total active seeds train-loss validation gap next-byte exact load-cv dropped
  EXPECT_HAS(o, "task memorization\n");
  EXPECT_HAS(o, "\ne2 top-1 2 1 4992 4736 1 1.5000 ± 0.0000 3.0000 ± 0.0000 1.7500 ± 0.0000 0.4000 ± 0.0000 "
                "0.0000 ± 0.0000 0.2000 ± 0.0000 0.0000 ± 0.0000\n");
  EXPECT_HAS(o, "task reasoning\n");
  EXPECT_HAS(o, "\ndense 1 1 4744 4744 2 1.5000 ± 0.0000 2.4000 ± 0.1414 1.1500 ± 0.1414 0.4000 ± 0.0000 "
                "0.2500 ± 0.0707 - -\n");
  EXPECT_HAS(o, "\ne4 top-1 4 1 5520 4752 2 1.5000 ± 0.0000 2.1000 ± 0.1414 0.8500 ± 0.1414 0.4000 ± 0.0000 "
                "0.3500 ± 0.0707 0.4000 ± 0.0000 0.0000 ± 0.0000\n");
  EXPECT_HAS(o, "\ne4 top-2 4 2 5520 5008 1 1.5000 ± 0.0000 1.9000 ± 0.0000");
  // Sorted by total, then active parameters within a task.
  const std::string s = squeezed(o.output);
  EXPECT_LT(s.find("\ndense 1 1"), s.find("\ne4 top-1"));
  EXPECT_LT(s.find("\ne4 top-1"), s.find("\ne4 top-2"));
  EXPECT_HAS(o, "task reasoning: lowest validation loss 1.9000 ± 0.0000 (e4 top-2; total 5520, active 5008); "
                "best exact match 0.5000 ± 0.0000 (e4 top-2)");
  EXPECT_HAS(o, "top-1: experts 1 -> 4, total 4744 -> 5520: validation loss 2.4000 -> 2.1000 (-0.3000), "
                "gap 1.1500 -> 0.8500 (-0.3000), exact match 0.2500 -> 0.3500 (+0.1000)");
  EXPECT_HAS(o, "4 experts: top-1 -> top-2, active 4752 -> 5008: validation loss 2.1000 -> 1.9000 (-0.2000)");
  EXPECT_HAS(o, "note: not in the table: trial e4k2_s1: status diverged");
  EXPECT_HAS(o, "note: skipped trial mlp: workload 'fmnist_mlp' is not lm or moe_lm");
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    for (const char* png : {"validation_loss_vs_total.png", "validation_loss_vs_active.png",
                            "generalization_gap_vs_total.png", "exact_match_vs_active.png", "expert_load_cv_vs_total.png"})
      EXPECT_GT(fs::file_size(dir_ / "plots" / png), 1000u) << png;
  } else {
    EXPECT_HAS(o, "gnuplot is not on PATH");
  }
}

TEST_F(AnalyzeMoeCliTest, AFileWithoutLmTrialsExitsSixNamingIt) {
  const std::string path = store("mlp.h5", {mlpTrial("a"), mlpTrial("b")});
  Outcome o = runGaplab("analyze moe " + path);
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, "results file '" + path + "': no lm / moe_lm trial that trained its whole token budget");

  o = runGaplab("analyze moe " + (dir_ / "missing.h5").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, (dir_ / "missing.h5").string());
}

TEST_F(AnalyzeMoeCliTest, StudyConfigsListTheGrid) {
  struct Expected {
    const char* file;
    const char* count;
  };
  for (const Expected& e : {Expected{"moe_sparsity_quick.yaml", "48 trial(s) in all"},
                            Expected{"moe_sparsity_full.yaml", "72 trial(s) in all"}}) {
    const Outcome o = runGaplab("sweep " + kStudies + "/" + e.file + " --dry-run --out " + (dir_ / "dry.h5").string());
    ASSERT_EQ(o.exitCode, 0) << e.file << ":\n" << o.output;
    EXPECT_HAS(o, e.count);
    EXPECT_HAS(o, "dense 0 0 ");
    EXPECT_HAS(o, "experts_16 0 0 ");
    EXPECT_HAS(o, "model.top_k=4; data.corpus=reasoning");
    // top-k <= experts: no experts_2 trial with top-k 4.
    std::size_t begin = 0;
    for (std::size_t end; (end = o.output.find('\n', begin)) != std::string::npos; begin = end + 1) {
      const std::string line = o.output.substr(begin, end - begin);
      EXPECT_FALSE(line.find("experts_2 ") != std::string::npos && line.find("top_k=4") != std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace gaplab
