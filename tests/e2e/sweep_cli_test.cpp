// tests/e2e/sweep_cli_test.cpp — `gaplab sweep` as a user runs it, on the noop
// workload: --dry-run lists and writes nothing, a real sweep prints its best
// trials and where they are, and every bad input ends with a documented exit
// code, the message on stderr and an existing results file untouched.
//
// Why: scripts and Slurm wrappers branch on the exit code and users read
// stderr; the unit tests cannot see either.
#include <gtest/gtest.h>

#include "tests/e2e/gaplab_process.h"
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sweeps/result_store.h"
#include "sweeps/sweep_spec.h"
#include "sweeps/trial_plan.h"

namespace fs = std::filesystem;

namespace gaplab {
namespace {

using e2e::kGaplab;

struct Outcome {
  int exitCode = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SweepCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_sweepcli_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("noop.yaml", "workload: noop\ntraining:\n  max_steps: 3\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string sweep(const std::string& name, const std::string& body) {
    return write(name, "base: noop.yaml\nthreads_per_rank: 1\n" + body);
  }
  // Runs `gaplab <args>` in dir_, stdout and stderr apart.
  Outcome gaplab(const std::string& args) {
    const fs::path errFile = dir_ / "stderr.txt";
    const e2e::Outcome run =
        e2e::runShell("cd '" + dir_.string() + "' && " + kGaplab + " " + args + " 2>'" + errFile.string() + "'");
    return {run.exitCode, run.output, readBytes(errFile)};
  }
  std::string results() const { return (dir_ / "results.h5").string(); }
  fs::path dir_;
};

#define EXPECT_HAS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "expected '" << (part) << "' in:\n" << (text)

const std::string kQuick = "sampler: halton\ntrials: 3\nspace: {model.quality: {uniform: [0.2, 0.9]}}\n";

TEST_F(SweepCliTest, DryRunListsTrialsAndWritesNothing) {
  const std::string path = sweep("quick.yaml", "space: {model.work_s: {choice: [0.5, 1.5, 1.0]}}\nsampler: grid\n");
  Outcome o = gaplab("sweep " + path + " --dry-run --out " + results());
  ASSERT_EQ(o.exitCode, 0) << o.out << o.err;
  const SweepSpec spec = SweepSpec::load(path);
  TrialPlan plan(spec, {});
  const std::vector<PlannedTrial> trials = plan.remainingInOrder();
  ASSERT_EQ(trials.size(), 3u);
  std::size_t previous = 0;
  for (const PlannedTrial& t : trials) {
    const std::size_t at = o.out.find(t.id);
    EXPECT_NE(at, std::string::npos) << t.id << " not listed:\n" << o.out;
    EXPECT_GE(at, previous) << "not in dispatch order (longest first)";
    previous = at;
  }
  EXPECT_HAS(o.out, "est. cost");
  EXPECT_HAS(o.out, "model.work_s=1.5");
  EXPECT_HAS(o.out, spec.sweepId);
  EXPECT_FALSE(fs::exists(results()));
  // Without --out it would write results/<name>.h5: a dry run creates neither the file nor the folder.
  o = gaplab("sweep " + path + " --dry-run");
  EXPECT_EQ(o.exitCode, 0) << o.err;
  EXPECT_HAS(o.out, "results/quick.h5");
  EXPECT_FALSE(fs::exists(dir_ / "results")) << "a dry run must not create the results folder";
}

TEST_F(SweepCliTest, RealSweepPrintsBestTrialsAndTheResultsPath) {
  const std::string path = sweep("quick.yaml", kQuick);
  const Outcome o = gaplab("sweep " + path + " --out " + results() + " --progress log");
  ASSERT_EQ(o.exitCode, 0) << o.out << o.err;
  EXPECT_HAS(o.out, "best trials by time_to_result");
  EXPECT_HAS(o.out, results());
  EXPECT_HAS(o.out, "3 of 3 trials");
  const std::vector<TrialResult> stored = ResultStore::readAll(results());
  ASSERT_EQ(stored.size(), 3u);
  for (const TrialResult& r : stored) EXPECT_HAS(o.out, r.trialId);
  // Again: everything is done already, nothing new, still exit 0.
  const Outcome again = gaplab("sweep " + path + " --out " + results() + " --progress quiet");
  EXPECT_EQ(again.exitCode, 0) << again.err;
  EXPECT_HAS(again.out, "3 of 3 trials");
  EXPECT_HAS(again.out, "0 this run");
  EXPECT_EQ(ResultStore::readAll(results()).size(), 3u);
}

TEST_F(SweepCliTest, BadConfigExitsTwoAndLeavesTheResultsFileAlone) {
  const std::string good = sweep("good.yaml", kQuick);
  ASSERT_EQ(gaplab("sweep " + good + " --out " + results() + " --progress quiet").exitCode, 0);
  const std::string before = readBytes(results());
  struct Case {
    std::string file, body, message;
  };
  const Case cases[] = {
      {"empty.yaml", "sampler: halton\ntrials: 2\n", "nothing to sample"},
      {"logbound.yaml", "space:\n  model.quality: {log_uniform: [0, 1]}\n", "log_uniform bounds must be > 0"},
      {"sampler.yaml", "sampler: hyperopt\nspace: {model.quality: {uniform: [0, 1]}}\n",
       "expected one of grid, random, halton, sobol, bayes"},
  };
  for (const Case& c : cases) {
    const Outcome o = gaplab("sweep " + sweep(c.file, c.body) + " --out " + results() + " --progress quiet");
    EXPECT_EQ(o.exitCode, 2) << c.file << ": " << o.out << o.err;
    EXPECT_HAS(o.err, c.file + ":");
    EXPECT_HAS(o.err, c.message);
    EXPECT_EQ(readBytes(results()), before) << c.file;
    // And without an existing file, none is created.
    const fs::path fresh = dir_ / "fresh.h5";
    EXPECT_EQ(gaplab("sweep " + dir_.string() + "/" + c.file + " --out " + fresh.string()).exitCode, 2);
    EXPECT_FALSE(fs::exists(fresh)) << c.file;
  }
}

TEST_F(SweepCliTest, ResultsOfAnotherSweepExitSixUntouched) {
  ASSERT_EQ(gaplab("sweep " + sweep("first.yaml", kQuick) + " --out " + results() + " --progress quiet").exitCode, 0);
  const std::string before = readBytes(results());
  const std::string second =
      sweep("second.yaml", "sampler: halton\ntrials: 2\nspace: {model.quality: {uniform: [0.3, 0.4]}}\n");
  const Outcome o = gaplab("sweep " + second + " --out " + results() + " --progress quiet");
  EXPECT_EQ(o.exitCode, 6) << o.out << o.err;
  EXPECT_HAS(o.err, results());
  EXPECT_HAS(o.err, "another sweep ('first'");
  EXPECT_HAS(o.err, "--append");
  EXPECT_EQ(readBytes(results()), before);
  const Outcome appended = gaplab("sweep " + second + " --out " + results() + " --append --progress quiet");
  EXPECT_EQ(appended.exitCode, 0) << appended.err;
  EXPECT_EQ(ResultStore::readAll(results()).size(), 5u);
}

TEST_F(SweepCliTest, CorruptResultsFileExitsSixUntouched) {
  std::string junk;
  for (int i = 0; i < 2048; ++i) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  std::ofstream(results(), std::ios::binary) << junk;
  const Outcome o = gaplab("sweep " + sweep("quick.yaml", kQuick) + " --out " + results() + " --progress quiet");
  EXPECT_EQ(o.exitCode, 6) << o.out << o.err;
  EXPECT_HAS(o.err, results());
  EXPECT_HAS(o.err, "not a readable HDF5 file");
  EXPECT_EQ(readBytes(results()), junk);
}

}  // namespace
}  // namespace gaplab
