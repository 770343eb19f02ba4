// tests/e2e/benchmark_cli_test.cpp — `gaplab benchmark` end to end on the noop
// workload, whose validation accuracy rises linearly to quality_per_lr * lr: the
// protocol seen from outside. Timed seconds count training only (evaluation
// sleeps are untimed and accounted apart), the target is crossed only at
// evaluation points, a miss is infinite, the workload time is the median over
// studies of each study's fastest trial, a rerun skips what is done, and bad
// input is refused with exit 2 before anything runs.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "sweeps/result_store.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

const std::string kGaplab = std::string(GAPLAB_BINARY_DIR) + "/cli/gaplab";

struct Outcome {
  int exitCode = -1;
  std::string out;
  std::string err;
};

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected '" << (part) << "' in:\n" << (text)

// noop: 10 steps of 0.03 s timed work each; evaluations every 3 steps (3, 6, 9, 10),
// each sleeping 0.1 s per split (untimed); accuracy = 5 * lr * step / 10; target 0.5.
const std::string kNoopSets =
    "--workloads noop --progress quiet --set threads=1 --set training.max_steps=10 --set training.eval_every_steps=3 "
    "--set model.work_s=0.3 --set model.eval_work_s=0.1 --set model.quality_per_lr=5";

class BenchmarkCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_benchcli_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // lr 0.2: accuracy 0.1 per step, 0.5 at step 5, first seen at the eval of step 6.
    write("fast.yaml", "optimizer: sgd\ntuning: self\nbudget_factor: 1\nset: {optimizer.lr: 0.2}\n");
    // lr 0.12: 0.06 per step, 0.48 at step 8, 0.54 at step 9 (an eval point).
    write("slow.yaml", "optimizer: sgd\ntuning: self\nbudget_factor: 1\nset: {optimizer.lr: 0.12}\n");
    // lr 0.05: at most 0.25: never.
    write("miss.yaml", "optimizer: sgd\ntuning: self\nbudget_factor: 1\nset: {optimizer.lr: 0.05}\n");
    write("tuned.yaml", "optimizer: sgd\nspace: {optimizer.lr: {log_uniform: [0.06, 0.3]}}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  Outcome gaplab(const std::string& args) {
    Outcome o;
    const fs::path errFile = dir_ / "stderr.txt";
    const std::string cmd = "cd '" + dir_.string() + "' && " + kGaplab + " " + args + " 2>'" + errFile.string() + "'";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return o;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), pipe)) o.out += buf.data();
    const int status = pclose(pipe);
    o.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ifstream in(errFile);
    o.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return o;
  }
  std::string results() const { return (dir_ / "bench.h5").string(); }
  fs::path dir_;
};

TEST_F(BenchmarkCliTest, ProtocolTimedUntimedEvalPointsMissAndScores) {
  const Outcome o = gaplab("benchmark fast.yaml slow.yaml miss.yaml " + kNoopSets + " --studies 2 --out bench.h5");
  ASSERT_EQ(o.exitCode, 0) << o.err << o.out;
  std::map<std::string, std::vector<TrialResult>> bySubmission;
  for (const TrialResult& t : ResultStore::readAll(results())) bySubmission[t.submission].push_back(t);
  ASSERT_EQ(bySubmission["fast"].size(), 2u);  // self-tuning: one trial per study
  for (const TrialResult& t : bySubmission["fast"]) {
    ASSERT_TRUE(t.reachedTarget()) << t.statusMessage;
    EXPECT_EQ(t.stepsToResult, 6);  // crossed at step 5, seen at the eval of step 6
    // Timed: 6 steps x 0.03 s; the evaluations before it (2 x 2 splits x 0.1 s) are not in it.
    EXPECT_GE(t.timeToResultSeconds, 0.17);
    EXPECT_LT(t.timeToResultSeconds, 0.4);
    EXPECT_GE(t.evalSeconds, 0.39);  // at least the evals of steps 3 and 6, accounted apart
  }
  for (const TrialResult& t : bySubmission["slow"]) EXPECT_EQ(t.stepsToResult, 9);
  for (const TrialResult& t : bySubmission["miss"]) {
    EXPECT_FALSE(t.reachedTarget());
    EXPECT_TRUE(std::isinf(t.timeToResultSeconds));
  }
  // The score report of `gaplab score` follows: fast is the best (ratio 1), miss is infinite.
  EXPECT_HAS(o.out, "workload noop");
  EXPECT_HAS(o.out, "performance profiles");
  EXPECT_HAS(o.out, "miss missed noop");
  EXPECT_NE(o.out.find("fast "), std::string::npos);
  const std::size_t fastRow = o.out.find("  fast ");
  ASSERT_NE(fastRow, std::string::npos) << o.out;
  EXPECT_HAS(o.out.substr(fastRow, o.out.find('\n', fastRow) - fastRow), "1.000");

  // Rerunning continues: nothing left to run, the same report.
  const Outcome again = gaplab("benchmark fast.yaml slow.yaml miss.yaml " + kNoopSets + " --studies 2 --out bench.h5");
  ASSERT_EQ(again.exitCode, 0) << again.err;
  EXPECT_HAS(again.err, "(0 this run");
  EXPECT_EQ(ResultStore::readAll(results()).size(), 6u);
}

TEST_F(BenchmarkCliTest, WorkloadTimeIsTheMedianOverStudiesOfTheFastestTrial) {
  const Outcome o = gaplab("benchmark tuned.yaml " + kNoopSets + " --studies 3 --trials 2 --out bench.h5");
  ASSERT_EQ(o.exitCode, 0) << o.err << o.out;
  std::map<int, double> best;  // study -> fastest time
  for (const TrialResult& t : ResultStore::readAll(results())) {
    const double time = t.reachedTarget() ? t.timeToResultSeconds : INFINITY;
    best[t.study] = best.count(t.study) ? std::min(best[t.study], time) : time;
  }
  ASSERT_EQ(best.size(), 3u);
  std::vector<double> minima;
  for (const auto& [study, time] : best) minima.push_back(time);
  std::sort(minima.begin(), minima.end());
  const double median = minima[1];
  ASSERT_TRUE(std::isfinite(median)) << o.out;
  // The report prints the median of the minima (formatSeconds: "%.3f s").
  char expected[32];
  std::snprintf(expected, sizeof expected, "%.3f s", median);
  const std::size_t row = o.out.find("  tuned ");
  ASSERT_NE(row, std::string::npos) << o.out;
  EXPECT_HAS(o.out.substr(row, o.out.find('\n', row) - row), expected);
  EXPECT_HAS(o.out.substr(row, o.out.find('\n', row) - row), "3/3");
}

TEST_F(BenchmarkCliTest, BadInputIsRefusedBeforeAnythingRuns) {
  write("typo.yaml", "optimizer: sgd\nspace: {optimizer.lrate: {log_uniform: [0.06, 0.3]}}\n");
  Outcome o = gaplab("benchmark typo.yaml " + kNoopSets + " --out bench.h5");
  EXPECT_EQ(o.exitCode, 2);
  EXPECT_HAS(o.err, "lrate");
  EXPECT_HAS(o.err, "typo.yaml");

  write("adamax.yaml", "optimizer: adamax\nspace: {optimizer.lr: {log_uniform: [0.06, 0.3]}}\n");
  o = gaplab("benchmark fast.yaml adamax.yaml " + kNoopSets + " --out bench.h5");
  EXPECT_EQ(o.exitCode, 2);
  EXPECT_HAS(o.err, "adamax.yaml:1");

  o = gaplab("benchmark fast.yaml --workloads noop,lm_rmsnorm --out bench.h5");
  EXPECT_EQ(o.exitCode, 2);
  EXPECT_HAS(o.err, "workload lm_rmsnorm has no target yet; set it with scripts/set_targets.sh");

  o = gaplab("benchmark fast.yaml --workloads fmnist_mlpp --out bench.h5");
  EXPECT_EQ(o.exitCode, 2);
  EXPECT_HAS(o.err, "unknown workload 'fmnist_mlpp'");

  o = gaplab("benchmark missing.yaml --workloads noop --out bench.h5");
  EXPECT_EQ(o.exitCode, 2);
  EXPECT_HAS(o.err, "missing.yaml");
  EXPECT_FALSE(fs::exists(results()));  // nothing ran, nothing was written
}

TEST_F(BenchmarkCliTest, DryRunListsEveryWorkloadsTrialsAndWritesNothing) {
  const Outcome o = gaplab("benchmark tuned.yaml fast.yaml " + kNoopSets + " --studies 2 --trials 3 --dry-run --out bench.h5");
  ASSERT_EQ(o.exitCode, 0) << o.err;
  EXPECT_HAS(o.out, "sweep benchmark_noop");
  EXPECT_HAS(o.out, "8 trial(s) in all");  // 2 x 3 tuned + 2 x 1 self-tuning
  EXPECT_FALSE(fs::exists(results()));
}

TEST_F(BenchmarkCliTest, ShippedSubmissionsAndSuitesValidate) {
  const std::string subs = std::string(GAPLAB_SOURCE_DIR) + "/examples/submissions/";
  Outcome o = gaplab("benchmark " + subs + "momentum.yaml " + subs + "nadamw.yaml " + subs + "adamw.yaml " + subs +
                     "nesterov.yaml " + subs + "lamb.yaml " + subs + "nadamw_self.yaml --suite quick --dry-run --out bench.h5");
  ASSERT_EQ(o.exitCode, 0) << o.err;
  EXPECT_HAS(o.out, "sweep benchmark_fmnist_mlp");
  o = gaplab("benchmark " + subs + "nadamw.yaml --suite full --dry-run --out bench.h5");
  ASSERT_EQ(o.exitCode, 0) << o.err;
  EXPECT_HAS(o.out, "sweep benchmark_fmnist_cnn");
  EXPECT_HAS(o.out, "sweep benchmark_moe_lm");
}

}  // namespace
}  // namespace gaplab
