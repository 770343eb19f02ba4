// tests/sweeps/sweep_scheduler_test.cpp — runSweep in one process (worldSize 1)
// on the noop workload: what ends up in the results file, and what does not.
//
// Why: the scheduler's promises are about the file — every trial exactly once,
// a rerun adds nothing, another sweep's or a corrupt file is never touched,
// failures are recorded with their message after the retries, divergence is
// not retried, ASHA stops bad trials, a stop before the start records nothing.
// noop trials take milliseconds, so all of it runs in about a second.
#include "sweeps/sweep_scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>

#include "sweeps/result_store.h"
#include "sweeps/trial_plan.h"

namespace gaplab {
namespace {

namespace fs = std::filesystem;

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SweepSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_sched_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "noop.yaml") << "workload: noop\n"
                                         "model:\n  work_s: 0.0\n"
                                         "training:\n  max_steps: 4\n  eval_every_steps: 1\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  SweepSpec load(const std::string& body, const std::string& name = "s.yaml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << "base: noop.yaml\nthreads_per_rank: 1\ncheckpoint_every_s: 0\n" << body;
    return SweepSpec::load(p.string());
  }
  SweepOutcome run(const SweepSpec& spec, bool append = false, const std::atomic<bool>* stop = nullptr) {
    SweepRunOptions options;
    options.resultsPath = results();
    options.append = append;
    options.stop = stop;
    return runSweep(spec, options, 1);
  }
  std::string results() const { return (dir_ / "results.h5").string(); }
  fs::path dir_;
};

std::map<std::string, const TrialResult*> byParameters(const std::vector<TrialResult>& trials) {
  std::map<std::string, const TrialResult*> out;
  for (const TrialResult& r : trials) out[r.parameters + " study " + std::to_string(r.study)] = &r;
  return out;
}

const std::string kThreeByTwo =
    "sampler: halton\ntrials: 3\nstudies: 2\nspace: {model.quality: {uniform: [0.1, 0.9]}}\n";

TEST_F(SweepSchedulerTest, RecordsEveryTrialExactlyOnceWithItsSweepColumns) {
  const SweepSpec spec = load(kThreeByTwo);
  const SweepOutcome outcome = run(spec);
  EXPECT_FALSE(outcome.interrupted);
  EXPECT_EQ(outcome.status.total, 6);
  EXPECT_EQ(outcome.status.recorded, 6);
  EXPECT_EQ(outcome.status.alreadyDone, 0);
  EXPECT_EQ(outcome.status.failed, 0);
  const std::vector<TrialResult> stored = ResultStore::readAll(results());
  ASSERT_EQ(stored.size(), 6u);
  EXPECT_EQ(outcome.trials.size(), 6u);

  TrialPlan plan(spec, {});
  std::set<std::string> planned;
  for (const PlannedTrial& t : plan.remainingInOrder()) planned.insert(t.id);
  std::set<std::string> ids;
  std::map<int, int> perStudy;
  for (const TrialResult& r : stored) {
    EXPECT_TRUE(ids.insert(r.trialId).second) << "recorded twice: " << r.trialId;
    EXPECT_EQ(r.submission, "default");
    EXPECT_EQ(r.workload, "noop");
    ++perStudy[r.study];
    EXPECT_EQ(r.seed, static_cast<uint64_t>(r.study));
    EXPECT_EQ(r.parameters.rfind("model.quality=", 0), 0u) << r.parameters;
    EXPECT_FALSE(r.samplePoint.empty());
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.curve.size(), 4u);
    // noop: the final validation accuracy is model.quality.
    const double quality = std::stod(r.parameters.substr(std::string("model.quality=").size()));
    ASSERT_NE(r.finalEval(), nullptr);
    EXPECT_NEAR(r.finalEval()->validationMetric, quality, 1e-12);
    EXPECT_EQ(r.reachedTarget(), quality >= 0.5) << r.parameters << " " << toString(r.status);
  }
  EXPECT_EQ(ids, planned);
  EXPECT_EQ(perStudy, (std::map<int, int>{{0, 3}, {1, 3}}));
  EXPECT_FALSE(fs::exists(results() + ".lock")) << "the lock file is removed at the end";
}

TEST_F(SweepSchedulerTest, RerunOnTheSameFileRecordsNothingNew) {
  const SweepSpec spec = load(kThreeByTwo);
  (void)run(spec);
  const SweepOutcome again = run(spec);
  EXPECT_EQ(again.status.alreadyDone, 6);
  EXPECT_EQ(again.status.recorded, 0);
  EXPECT_EQ(again.trials.size(), 6u);
  EXPECT_EQ(ResultStore::readAll(results()).size(), 6u);
  // The same sweep with another execution layout is the same sweep.
  const SweepSpec relaid = load(kThreeByTwo + "max_retries: 3\n", "s2.yaml");
  EXPECT_EQ(run(relaid).status.recorded, 0);
}

TEST_F(SweepSchedulerTest, ResultsOfAnotherSweepAreRefusedUntouchedUnlessAppending) {
  const SweepSpec first = load("name: first\n" + kThreeByTwo, "first.yaml");
  (void)run(first);
  const std::string before = readBytes(results());
  const SweepSpec second =
      load("name: second\nsampler: halton\ntrials: 2\nspace: {model.quality: {uniform: [0.2, 0.3]}}\n", "second.yaml");
  ASSERT_NE(first.sweepId, second.sweepId);
  try {
    (void)run(second);
    ADD_FAILURE() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    for (const std::string& part : {results(), std::string("'first'"), first.sweepId, std::string("'second'"),
                                    second.sweepId, std::string("--append")})
      EXPECT_NE(what.find(part), std::string::npos) << "'" << part << "' not in: " << what;
  }
  EXPECT_EQ(readBytes(results()), before) << "a refused results file must stay byte-identical";
  EXPECT_FALSE(fs::exists(results() + ".lock"));

  const SweepOutcome appended = run(second, /*append=*/true);
  EXPECT_EQ(appended.status.recorded, 2);
  EXPECT_EQ(appended.status.alreadyDone, 0);
  EXPECT_EQ(ResultStore::readAll(results()).size(), 8u);
}

TEST_F(SweepSchedulerTest, CorruptResultsFileIsRefusedUntouched) {
  std::mt19937 gen(42);
  std::string junk(4096, '\0');
  for (char& c : junk) c = static_cast<char>(gen() & 0xff);
  std::ofstream(results(), std::ios::binary) << junk;
  const SweepSpec spec = load(kThreeByTwo);
  EXPECT_THROW((void)run(spec), std::runtime_error);
  EXPECT_EQ(readBytes(results()), junk);
  // An HDF5 signature followed by junk (a truncated or overwritten file) too.
  std::string fake = std::string("\x89HDF\r\n\x1a\n", 8) + junk;
  std::ofstream(results(), std::ios::binary | std::ios::trunc) << fake;
  EXPECT_THROW((void)run(spec), std::runtime_error);
  EXPECT_EQ(readBytes(results()), fake);
}

TEST_F(SweepSchedulerTest, FailingTrialIsRecordedAfterItsRetriesAndTheSweepGoesOn) {
  const SweepSpec spec = load(
      "sampler: grid\nmax_retries: 2\n"
      "submissions:\n"
      "  good: {space: {model.quality: {choice: [0.6, 0.7]}}}\n"
      "  bad: {set: {model.fail_at_step: 0}, space: {model.quality: {choice: [0.8]}}}\n");
  const SweepOutcome outcome = run(spec);
  EXPECT_EQ(outcome.status.recorded, 3);
  EXPECT_EQ(outcome.status.failed, 1);
  EXPECT_EQ(outcome.status.retries, 2);
  const std::vector<TrialResult> stored = ResultStore::readAll(results());
  ASSERT_EQ(stored.size(), 3u);
  int failed = 0;
  for (const TrialResult& r : stored) {
    if (r.submission == "bad") {
      ++failed;
      EXPECT_EQ(r.status, TrialStatus::kFailed);
      EXPECT_EQ(r.attempts, 3) << "max_retries + 1 attempts";
      EXPECT_NE(r.statusMessage.find("failing at step 0"), std::string::npos) << r.statusMessage;
      EXPECT_EQ(r.parameters, "model.quality=0.8");
    } else {
      EXPECT_EQ(r.status, TrialStatus::kReachedTarget) << r.statusMessage;
      EXPECT_EQ(r.attempts, 1);
    }
  }
  EXPECT_EQ(failed, 1);
}

TEST_F(SweepSchedulerTest, DivergingTrialIsRecordedAsDivergedWithoutRetry) {
  const SweepSpec spec = load("sampler: grid\nmax_retries: 3\n"
                              "space: {model.diverge_at_step: {choice: [-1, 1]}}\n");
  const SweepOutcome outcome = run(spec);
  EXPECT_EQ(outcome.status.recorded, 2);
  EXPECT_EQ(outcome.status.retries, 0);
  EXPECT_EQ(outcome.status.failed, 1);
  const auto trials = byParameters(ResultStore::readAll(results()));
  ASSERT_EQ(trials.size(), 2u);
  const TrialResult* diverged = trials.at("model.diverge_at_step=1 study 0");
  EXPECT_EQ(diverged->status, TrialStatus::kDiverged) << toString(diverged->status) << ": " << diverged->statusMessage;
  EXPECT_EQ(diverged->attempts, 1);
  EXPECT_EQ(trials.at("model.diverge_at_step=-1 study 0")->status, TrialStatus::kReachedTarget);
}

TEST_F(SweepSchedulerTest, AshaStopsWorseTrialsEarly) {
  // Equal cost, so trials run in plan order: best quality first, then ever worse ones,
  // which ASHA (eta 3, rungs at 1 and 3 of 9 steps) stops at a rung.
  const SweepSpec spec = load(
      "sampler: grid\nset: {training.max_steps: 9, target.value: 0.99}\n"
      "space: {model.quality: {choice: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]}}\n"
      "early_stopping: {asha: {reduction_factor: 3, min_resource: 1, max_resource: 9, unit: steps}}\n");
  const SweepOutcome outcome = run(spec);
  EXPECT_EQ(outcome.status.recorded, 9);
  EXPECT_GT(outcome.status.stoppedEarly, 0);
  const std::vector<TrialResult> stored = ResultStore::readAll(results());
  ASSERT_EQ(stored.size(), 9u);
  int stopped = 0;
  for (const TrialResult& r : stored) {
    const double quality = std::stod(r.parameters.substr(std::string("model.quality=").size()));
    if (r.status == TrialStatus::kStoppedEarly) {
      ++stopped;
      EXPECT_LT(r.steps, 9) << r.parameters;
      EXPECT_LT(quality, 0.75) << "one of the best trials was stopped";
    } else {
      EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.parameters << ": " << r.statusMessage;
      EXPECT_EQ(r.steps, 9);
    }
  }
  EXPECT_EQ(stopped, outcome.status.stoppedEarly);
  EXPECT_GE(stopped, 4);
}

TEST_F(SweepSchedulerTest, BayesSweepRunsItsBudgetAndResumes) {
  const SweepSpec spec = load("sampler: bayes\ntrials: 5\nobjective: final_validation_metric\n"
                              "space: {model.quality: {uniform: [0.1, 0.9]}}\n");
  const SweepOutcome outcome = run(spec);
  EXPECT_EQ(outcome.status.total, 5);
  EXPECT_EQ(outcome.status.recorded, 5);
  EXPECT_TRUE(outcome.status.hasBest);
  EXPECT_EQ(run(spec).status.recorded, 0) << "a rerun of a finished bayes sweep proposes nothing";
  EXPECT_EQ(ResultStore::readAll(results()).size(), 5u);
}

TEST_F(SweepSchedulerTest, AppendedBayesSweepDoesNotCountAnotherSweepsTrials) {
  const SweepSpec first = load("name: first\nsampler: bayes\ntrials: 3\n"
                               "space: {model.quality: {uniform: [0.1, 0.9]}}\n", "first.yaml");
  (void)run(first);
  // Same submission name ("default") and study, another space: none of first's trials are second's.
  const SweepSpec second = load("name: second\nsampler: bayes\ntrials: 2\n"
                                "space: {model.quality: {uniform: [0.1, 0.9]}, model.gap: {uniform: [0, 0.1]}}\n",
                                "second.yaml");
  const SweepOutcome outcome = run(second, /*append=*/true);
  EXPECT_EQ(outcome.status.alreadyDone, 0);
  EXPECT_EQ(outcome.status.recorded, 2);
  EXPECT_EQ(ResultStore::readAll(results()).size(), 5u);
}

// Sets the stop flag once the first trial is recorded, as SIGINT would.
class StopAfterFirst final : public SweepProgressSink {
 public:
  explicit StopAfterFirst(std::atomic<bool>& stop) : stop_(stop) {}
  void onUpdate(const SweepStatus&) override {}
  void onTrialRecorded(const TrialResult&, const SweepStatus&) override { stop_ = true; }

 private:
  std::atomic<bool>& stop_;
};

TEST_F(SweepSchedulerTest, StopDuringTheSweepKeepsWhatIsRecordedAndARerunFinishes) {
  const SweepSpec spec = load(kThreeByTwo);
  std::atomic<bool> stop{false};
  StopAfterFirst sink(stop);
  SweepRunOptions options;
  options.resultsPath = results();
  options.stop = &stop;
  options.progress = &sink;
  const SweepOutcome outcome = runSweep(spec, options, 1);
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.status.recorded, 1);
  EXPECT_EQ(ResultStore::readAll(results()).size(), 1u);
  const SweepOutcome rest = run(spec);
  EXPECT_FALSE(rest.interrupted);
  EXPECT_EQ(rest.status.alreadyDone, 1);
  EXPECT_EQ(rest.status.recorded, 5);
}

TEST_F(SweepSchedulerTest, StopBeforeStartRecordsNothing) {
  const SweepSpec spec = load(kThreeByTwo);
  std::atomic<bool> stop{true};
  const SweepOutcome outcome = run(spec, false, &stop);
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.status.recorded, 0);
  EXPECT_TRUE(outcome.trials.empty());
  if (fs::exists(results())) EXPECT_TRUE(ResultStore::readAll(results()).empty());
  // The next run does all of it.
  EXPECT_EQ(run(spec).status.recorded, 6);
}

}  // namespace
}  // namespace gaplab
