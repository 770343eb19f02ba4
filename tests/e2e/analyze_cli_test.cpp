// tests/e2e/analyze_cli_test.cpp — `gaplab analyze large-batch` on a results file
// built by hand (known table), its refusals (exit 6), and a tiny end-to-end
// sweep of examples/studies/large_batch_quick.yaml (2 steps per regime) that
// proves the study config runs and analyses.
//
// Why: the study's answer is what this command prints; the unit tests cover
// the numbers, these the file, the wiring, the exit codes and the configs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <yaml-cpp/yaml.h>

#include "sweeps/result_store.h"
#include "tests/e2e/results_file_test.h"
#include "workloads/weight_distance.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

const std::string kGaplab = std::string(GAPLAB_BINARY_DIR) + "/cli/gaplab";
const std::string kStudies = std::string(GAPLAB_SOURCE_DIR) + "/examples/studies";

struct Outcome {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};

Outcome runGaplab(const std::string& args) {
  Outcome o;
  const std::string cmd = kGaplab + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return o;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) o.output.append(buf.data(), n);
  const int status = pclose(pipe);
  o.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

// A finished trial of `regime` with distance a + b ln(step) at steps 10..50.
TrialResult trial(const std::string& regime, uint64_t seed, int64_t batch, double train, double val, double a, double b,
                  bool withDistance = true) {
  TrialResult t;
  t.trialId = regime + "_" + std::to_string(seed) + "_0000000000";
  t.workload = "fmnist_cnn";
  t.configYaml = "workload: fmnist_cnn\ntraining:\n  batch_size: " + std::to_string(batch) + "\n";
  t.submission = regime;
  t.study = static_cast<int>(seed);
  t.seed = seed;
  t.status = TrialStatus::kMaxSteps;
  t.metricName = "accuracy";
  t.steps = 50;
  for (int64_t step = 10; step <= 50; step += 10) {
    EvalRecord r;
    r.step = step;
    r.evalTrainMetric = step == 50 ? train : 0.5;
    r.validationMetric = step == 50 ? val : 0.5;
    if (withDistance) r.extras.push_back({kWeightDistanceMetric, a + b * std::log(static_cast<double>(step))});
    t.curve.push_back(r);
  }
  return t;
}

class AnalyzeCliTest : public ResultsFileTest {};

TEST_F(AnalyzeCliTest, PrintsThePapersTableAndPlots) {
  const std::string path = store("study.h5", {trial("sb", 0, 128, 0.96, 0.90, 1.0, 3.0),
                                              trial("sb", 1, 128, 0.98, 0.90, 1.0, 5.0),
                                              trial("lb", 0, 2048, 0.86, 0.80, 0.5, 1.0),
                                              trial("lb", 1, 2048, 0.90, 0.80, 0.5, 1.0)});
  const Outcome o = runGaplab("analyze large-batch " + path + " --plot " + (dir_ / "plots").string());
  ASSERT_EQ(o.exitCode, 0) << o.output;
  EXPECT_HAS(o, "2 regime(s), 4 trial(s)");
  // regime batch steps seeds validation train gap gap-range vs-first slope
  EXPECT_HAS(o, "sb 128 50 2 0.9000 ± 0.0000 0.9700 ± 0.0141 0.0700 ± 0.0141 [+0.0600, +0.0800] +0.0000 4.000 ± 1.414");
  EXPECT_HAS(o, "lb 2048 50 2 0.8000 ± 0.0000 0.8800 ± 0.0283 0.0800 ± 0.0283 [+0.0600, +0.1000] -0.1000 1.000 ± 0.000");
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    EXPECT_HAS(o, "weight_distance.png");
    EXPECT_GT(fs::file_size(dir_ / "plots" / "weight_distance.png"), 1000u);
    EXPECT_GT(fs::file_size(dir_ / "plots" / "generalization_gap.png"), 1000u);
  } else {
    EXPECT_HAS(o, "gnuplot is not on PATH");
  }
}

TEST_F(AnalyzeCliTest, AFileWithoutWeightDistancesOrRegimesExitsSix) {
  const std::string untracked = store("untracked.h5", {trial("sb", 0, 128, 0.9, 0.8, 0, 1, false)});
  Outcome o = runGaplab("analyze large-batch " + untracked);
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, untracked);
  EXPECT_HAS(o, "track_weight_distance: true");

  const std::string plain = store("plain.h5", {trial("", 0, 128, 0.9, 0.8, 0, 1)});
  o = runGaplab("analyze large-batch " + plain);
  EXPECT_EQ(o.exitCode, 6) << o.output;
  EXPECT_HAS(o, "no sweep submission");

  o = runGaplab("analyze large-batch " + (dir_ / "missing.h5").string());
  EXPECT_EQ(o.exitCode, 6) << o.output;
  o = runGaplab("analyze");  // the study must be named
  EXPECT_EQ(o.exitCode, 2) << o.output;
}

TEST_F(AnalyzeCliTest, StudyConfigsAreValid) {
  for (const char* name : {"large_batch.yaml", "large_batch_quick.yaml"}) {
    const Outcome o = runGaplab("sweep " + kStudies + "/" + name + " --dry-run --out " + (dir_ / "dry.h5").string());
    EXPECT_EQ(o.exitCode, 0) << name << ":\n" << o.output;
    for (const char* regime : {"sb", "lb", "lb_lr", "lb_lr_gbn", "lb_lr_gbn_ra"}) EXPECT_HAS(o, regime);
  }
}

// The quick study with every regime cut to 2 steps on a 4096-image subset: the
// config trains, records distances, and `analyze large-batch` reads the result.
TEST_F(AnalyzeCliTest, TinySweepOfTheQuickStudyRunsAndAnalyses) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  YAML::Node sweep = YAML::LoadFile(kStudies + "/large_batch_quick.yaml");
  sweep["base"] = kStudies + "/large_batch_base.yaml";
  sweep["studies"] = 1;
  sweep["checkpoint_every_s"] = 0;
  sweep["set"]["data.train_limit"] = 4096;
  sweep["set"]["data.eval_train_size"] = 256;
  sweep["set"]["data.validation_limit"] = 256;
  for (auto kv : sweep["submissions"]) {
    kv.second["set"]["training.max_steps"] = 2;
    kv.second["set"]["training.eval_every_steps"] = 1;
    kv.second["set"]["schedule.milestones"] = YAML::Load("[1]");
  }
  const std::string path = (dir_ / "tiny.yaml").string();
  std::ofstream(path) << YAML::Dump(sweep);
  const std::string results = (dir_ / "tiny.h5").string();
  Outcome o = runGaplab("sweep " + path + " --out " + results + " --progress quiet");
  ASSERT_EQ(o.exitCode, 0) << o.output;
  o = runGaplab("analyze large-batch " + results);
  ASSERT_EQ(o.exitCode, 0) << o.output;
  EXPECT_HAS(o, "5 regime(s), 5 trial(s)");
  for (const char* row : {"sb 128 2 1", "lb 2048 2 1", "lb_lr 2048 2 1", "lb_lr_gbn 2048 2 1", "lb_lr_gbn_ra 2048 2 1"})
    EXPECT_HAS(o, std::string("\n") + row);
  for (const TrialResult& t : ResultStore::readAll(results)) {
    ASSERT_EQ(t.curve.size(), 2u) << t.submission;
    ASSERT_FALSE(t.curve[1].extras.empty()) << t.submission;
    EXPECT_EQ(t.curve[1].extras.back().name, kWeightDistanceMetric);
    EXPECT_GT(t.curve[1].extras.back().value, t.curve[0].extras.back().value * 0.99) << t.submission;
  }
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// A continued run as `gaplab run` records it with data.monitor and eval_at_start.
TrialResult continuedRun(const std::string& id, const std::string& strategy, uint64_t seed,
                         const std::vector<double>& oldAccuracy, const std::vector<double>& newAccuracy) {
  TrialResult t;
  t.trialId = id;
  t.workload = "lm";
  t.submission = strategy;
  t.seed = seed;
  t.status = TrialStatus::kMaxSteps;
  t.metricName = "bits_per_byte";
  t.targetDirection = TargetDirection::kAtMost;
  for (std::size_t i = 0; i < oldAccuracy.size(); ++i) {
    EvalRecord r;
    r.step = static_cast<int64_t>(10 * i);
    r.extras = {{"validation/fortunes_en/next_byte_accuracy", oldAccuracy[i]},
                {"validation/fortunes_de/next_byte_accuracy", newAccuracy[i]}};
    t.curve.push_back(r);
  }
  return t;
}

TEST_F(AnalyzeCliTest, ContinualPrintsTheStabilityGapPerStrategy) {
  const std::string path = store("continual.h5", {continuedRun("a", "replay", 0, {0.50, 0.40, 0.50}, {0.2, 0.3, 0.4}),
                                                  continuedRun("b", "plain", 0, {0.50, 0.30, 0.35}, {0.2, 0.4, 0.5}),
                                                  continuedRun("c", "plain", 1, {0.50, 0.32, 0.36}, {0.2, 0.4, 0.5})});
  const Outcome o = runGaplab("analyze continual " + path + " --windows 2");
  ASSERT_EQ(o.exitCode, 0) << o.output;
  // strategy seeds at-switch min-ACC gap-depth recovered ...
  EXPECT_HAS(o, "plain 2 0.5000 [0.5000,0.5000] 0.3100 [0.3000,0.3200] 0.1900 [0.1800,0.2000] 0/2");
  EXPECT_HAS(o, "replay 1 0.5000 0.4000 0.1000 1/1");
  EXPECT_HAS(o, "recovery step (mean over recovered seeds): 20");
  // --plot: both domains per strategy, around the switch and over the whole run.
  const Outcome plotted = runGaplab("analyze continual " + path + " --plot " + (dir_ / "cplots").string() +
                                    " --plot-steps 10");
  ASSERT_EQ(plotted.exitCode, 0) << plotted.output;
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    EXPECT_HAS(plotted, "continual_switch.png");
    EXPECT_GT(fs::file_size(dir_ / "cplots" / "continual_switch.png"), 1000u);
    EXPECT_GT(fs::file_size(dir_ / "cplots" / "continual_run.png"), 1000u);
  } else {
    EXPECT_HAS(plotted, "gnuplot is not on PATH");
  }
  const Outcome missing = runGaplab("analyze continual " + path + " --old klingon");
  EXPECT_EQ(missing.exitCode, 6) << missing.output;
  EXPECT_HAS(missing, "validation/klingon/next_byte_accuracy");
}

}  // namespace
}  // namespace gaplab
