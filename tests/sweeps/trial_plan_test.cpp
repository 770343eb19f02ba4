// tests/sweeps/trial_plan_test.cpp — which trials a sweep consists of, their
// ids, their order, what a rerun skips, and the bayes streams.
//
// Why: trial ids are the contract between a sweep and its results file (a rerun
// skips what is done only if ids are stable), LPT order is what keeps the
// makespan short, and the bayes loop must stop at its budget and learn from the
// results it is fed. All of it is checked here without running a trial.
#include "sweeps/trial_plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>

namespace gaplab {
namespace {

namespace fs = std::filesystem;

class TrialPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_plan_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "noop.yaml") << "workload: noop\ntraining:\n  max_steps: 4\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  SweepSpec load(const std::string& body, const std::string& name = "s.yaml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << "base: noop.yaml\n" << body;
    return SweepSpec::load(p.string());
  }
  fs::path dir_;
};

std::vector<PlannedTrial> drain(TrialPlan& plan) {
  std::vector<PlannedTrial> out;
  while (std::optional<PlannedTrial> t = plan.next()) out.push_back(std::move(*t));
  return out;
}

std::vector<std::string> idsOf(const std::vector<PlannedTrial>& trials) {
  std::vector<std::string> ids;
  for (const PlannedTrial& t : trials) ids.push_back(t.id);
  return ids;
}

double valueOf(const PlannedTrial& t, const std::string& key) {
  const std::string* text = t.point.find(key);
  EXPECT_NE(text, nullptr) << key << " not in " << t.parameters;
  return text ? std::stod(*text) : std::nan("");
}

// A finished noop-like result whose last evaluation has validation accuracy `accuracy`.
TrialResult resultWithAccuracy(const PlannedTrial& t, double accuracy) {
  TrialResult r;
  r.trialId = t.id;
  r.status = TrialStatus::kMaxSteps;
  r.metricName = "accuracy";
  EvalRecord e;
  e.step = 4;
  e.validationMetric = accuracy;
  e.validationLoss = 1.0 - accuracy;
  r.curve.push_back(e);
  return r;
}

TEST_F(TrialPlanTest, IdsAreStableAndDistinct) {
  const SweepSpec spec = load("sampler: halton\ntrials: 6\nstudies: 2\nspace: {model.quality: {uniform: [0, 1]}}\n");
  TrialPlan a(spec, {});
  TrialPlan b(spec, {});
  EXPECT_EQ(a.total(), 12);
  EXPECT_EQ(a.alreadyDone(), 0);
  const std::vector<PlannedTrial> ta = drain(a);
  const std::vector<PlannedTrial> tb = drain(b);
  ASSERT_EQ(ta.size(), 12u);
  EXPECT_EQ(idsOf(ta), idsOf(tb));
  const std::vector<std::string> ids = idsOf(ta);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "ids must be distinct";
  EXPECT_TRUE(a.exhausted());
  // A fresh load of the same file, and one that only changes how it runs, give the same ids.
  const SweepSpec again = load("sampler: halton\ntrials: 6\nstudies: 2\nspace: {model.quality: {uniform: [0, 1]}}\n"
                               "ranks_per_trial: 2\nmax_retries: 3\n",
                               "s2.yaml");
  TrialPlan c(again, {});
  EXPECT_EQ(idsOf(drain(c)), ids);
}

TEST_F(TrialPlanTest, SameSubmissionPointAndSeedGiveTheSameIdAcrossPlans) {
  // Two different grid sweeps that share the point quality=0.5 (and seed 0, submission default).
  const SweepSpec a = load("sampler: grid\nspace: {model.quality: {grid: [0.5, 0.7]}}\n", "a.yaml");
  const SweepSpec b = load("sampler: grid\nspace: {model.quality: {grid: [0.9, 0.5]}}\n", "b.yaml");
  ASSERT_NE(a.sweepId, b.sweepId);
  TrialPlan pa(a, {}), pb(b, {});
  std::map<std::string, std::string> ida, idb;
  for (const PlannedTrial& t : drain(pa)) ida[t.parameters] = t.id;
  for (const PlannedTrial& t : drain(pb)) idb[t.parameters] = t.id;
  ASSERT_TRUE(ida.count("model.quality=0.5") && idb.count("model.quality=0.5"));
  EXPECT_EQ(ida["model.quality=0.5"], idb["model.quality=0.5"]);
  EXPECT_NE(ida["model.quality=0.7"], idb["model.quality=0.9"]);
  // Another seed or another submission name is another trial.
  const SweepSpec seeded = load("sampler: grid\nseed: 1\nspace: {model.quality: {grid: [0.5]}}\n", "c.yaml");
  TrialPlan pc(seeded, {});
  EXPECT_NE(drain(pc).at(0).id, ida["model.quality=0.5"]);
  const SweepSpec named =
      load("sampler: grid\nsubmissions:\n  other: {space: {model.quality: {grid: [0.5]}}}\n", "d.yaml");
  TrialPlan pd(named, {});
  EXPECT_NE(drain(pd).at(0).id, ida["model.quality=0.5"]);
}

TEST_F(TrialPlanTest, StudiesGetTheirOwnSeedAndPoints) {
  const SweepSpec spec =
      load("sampler: random\ntrials: 3\nstudies: 3\nseed: 10\nspace: {model.quality: {uniform: [0, 1]}}\n");
  TrialPlan plan(spec, {});
  std::map<int, std::set<uint64_t>> seeds;
  std::map<int, std::vector<double>> points;
  for (const PlannedTrial& t : drain(plan)) {
    seeds[t.study].insert(t.seed);
    points[t.study].push_back(valueOf(t, "model.quality"));
    EXPECT_NE(std::find(t.overrides.begin(), t.overrides.end(), "seed=" + std::to_string(t.seed)), t.overrides.end());
    EXPECT_FALSE(t.samplePoint.empty());
  }
  ASSERT_EQ(seeds.size(), 3u);
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(seeds[s], std::set<uint64_t>{10u + static_cast<uint64_t>(s)}) << "study " << s;
    ASSERT_EQ(points[s].size(), 3u);
  }
  for (int s = 1; s < 3; ++s)
    for (double q : points[s])
      EXPECT_EQ(std::count(points[0].begin(), points[0].end(), q), 0) << "study " << s << " repeats a point of study 0";
}

TEST_F(TrialPlanTest, GridSamplerEnumeratesTheProduct) {
  const SweepSpec spec = load(
      "sampler: grid\nstudies: 2\nspace:\n  model.gap: {grid: [0, 0.1]}\n  model.quality: {choice: [0.2, 0.4, 0.6]}\n");
  TrialPlan plan(spec, {});
  EXPECT_EQ(plan.total(), 12);
  std::map<int, std::set<std::pair<double, double>>> combos;
  for (const PlannedTrial& t : drain(plan)) combos[t.study].insert({valueOf(t, "model.gap"), valueOf(t, "model.quality")});
  for (int s = 0; s < 2; ++s) {
    std::set<std::pair<double, double>> expected;
    for (double g : {0.0, 0.1})
      for (double q : {0.2, 0.4, 0.6}) expected.insert({g, q});
    EXPECT_EQ(combos[s], expected) << "study " << s;
  }
}

TEST_F(TrialPlanTest, DispatchesLongestEstimatedCostFirst) {
  // noop's trial cost is its work_s.
  const SweepSpec spec = load("sampler: grid\nspace:\n  model.work_s: {choice: [0.2, 0.5, 0.1, 0.4, 0.3]}\n");
  TrialPlan plan(spec, {});
  std::vector<double> costs, works;
  for (const PlannedTrial& t : drain(plan)) {
    costs.push_back(t.estimatedCost);
    works.push_back(valueOf(t, "model.work_s"));
  }
  EXPECT_EQ(works, (std::vector<double>{0.5, 0.4, 0.3, 0.2, 0.1}));
  ASSERT_EQ(costs.size(), 5u);
  for (std::size_t i = 0; i < costs.size(); ++i) EXPECT_NEAR(costs[i], works[i], 1e-12);
  // remainingInOrder (what --dry-run lists) is the same order.
  TrialPlan again(spec, {});
  std::vector<double> listed;
  for (const PlannedTrial& t : again.remainingInOrder()) listed.push_back(valueOf(t, "model.work_s"));
  EXPECT_EQ(listed, works);

  // With a sampler too: costs never increase along the dispatch order.
  const SweepSpec halton =
      load("sampler: halton\ntrials: 12\nspace: {model.work_s: {uniform: [0, 1]}}\n", "h.yaml");
  TrialPlan hp(halton, {});
  std::vector<double> hc;
  for (const PlannedTrial& t : drain(hp)) hc.push_back(t.estimatedCost);
  EXPECT_TRUE(std::is_sorted(hc.rbegin(), hc.rend())) << "not longest first";
  EXPECT_GT(hc.front(), hc.back());
}

TEST_F(TrialPlanTest, DoneTrialsAreSkippedExactly) {
  const SweepSpec spec = load("sampler: halton\ntrials: 5\nstudies: 2\nspace: {model.quality: {uniform: [0, 1]}}\n");
  TrialPlan first(spec, {});
  const std::vector<PlannedTrial> all = drain(first);
  ASSERT_EQ(all.size(), 10u);
  std::vector<TrialResult> done;
  std::set<std::string> doneIds;
  for (std::size_t i : {1u, 4u, 7u}) {
    done.push_back(resultWithAccuracy(all[i], 0.5));
    doneIds.insert(all[i].id);
  }
  TrialResult foreign;  // a trial of another sweep in the same (appended) file
  foreign.trialId = "0123456789abcdef";
  done.push_back(foreign);
  TrialPlan rerun(spec, done);
  EXPECT_EQ(rerun.total(), 10);
  EXPECT_EQ(rerun.alreadyDone(), 3);
  std::set<std::string> left;
  for (const PlannedTrial& t : drain(rerun)) left.insert(t.id);
  EXPECT_EQ(left.size(), 7u);
  for (const PlannedTrial& t : all) EXPECT_EQ(left.count(t.id), doneIds.count(t.id) ? 0u : 1u) << t.parameters;
}

TEST_F(TrialPlanTest, BayesStopsAtTrialsPerStream) {
  const SweepSpec spec =
      load("sampler: bayes\ntrials: 3\nstudies: 2\nobjective: final_validation_metric\n"
           "space: {model.quality: {uniform: [0, 1]}}\n");
  TrialPlan plan(spec, {});
  EXPECT_EQ(plan.total(), 6);
  EXPECT_FALSE(plan.exhausted());
  std::vector<PlannedTrial> trials = drain(plan);  // none finished: pending ones still count
  EXPECT_EQ(trials.size(), 6u);
  EXPECT_TRUE(plan.exhausted());
  std::map<int, int> perStudy;
  for (const PlannedTrial& t : trials) ++perStudy[t.study];
  EXPECT_EQ(perStudy, (std::map<int, int>{{0, 3}, {1, 3}}));
  // An abandoned trial (the sweep stopped) gives its stream budget back.
  plan.abandoned(trials[0]);
  EXPECT_FALSE(plan.exhausted());
  ASSERT_TRUE(plan.next().has_value());
  EXPECT_FALSE(plan.next().has_value());
  // Finishing does not add budget.
  for (const PlannedTrial& t : trials) plan.finished(t, resultWithAccuracy(t, 0.5));
  EXPECT_FALSE(plan.next().has_value());

  // Results already in the file count against the budget.
  std::vector<TrialResult> done;
  for (int i = 0; i < 2; ++i) {
    TrialResult r = resultWithAccuracy(trials[static_cast<std::size_t>(i)], 0.5);
    r.submission = "default";
    r.study = trials[static_cast<std::size_t>(i)].study;
    r.samplePoint = trials[static_cast<std::size_t>(i)].samplePoint;
    done.push_back(r);
  }
  TrialPlan resumed(spec, done);
  EXPECT_EQ(resumed.alreadyDone(), 2);
  EXPECT_EQ(drain(resumed).size(), 4u);
}

TEST_F(TrialPlanTest, BayesLearnsFromFinishedTrials) {
  // The objective is -accuracy and the accuracy is the parameter itself: the GP should
  // move its proposals up once the initial design (max(4, d + 1) = 4 points) is done.
  const SweepSpec spec = load("sampler: bayes\ntrials: 14\nobjective: final_validation_metric\n"
                              "space: {model.quality: {uniform: [0, 1]}}\n");
  TrialPlan plan(spec, {});
  std::vector<double> proposed;
  while (std::optional<PlannedTrial> t = plan.next()) {
    const double q = valueOf(*t, "model.quality");
    proposed.push_back(q);
    plan.finished(*t, resultWithAccuracy(*t, q));  // one at a time: every proposal sees all results
  }
  ASSERT_EQ(proposed.size(), 14u);
  const double initial = std::accumulate(proposed.begin(), proposed.begin() + 4, 0.0) / 4.0;
  const double later = std::accumulate(proposed.end() - 6, proposed.end(), 0.0) / 6.0;
  EXPECT_GT(later, initial + 0.1) << "initial mean " << initial << ", later mean " << later;
  EXPECT_GT(later, 0.75);
  EXPECT_GT(*std::max_element(proposed.begin(), proposed.end()), 0.95);
}

TEST_F(TrialPlanTest, ObjectiveOfTheThreeObjectives) {
  const double inf = std::numeric_limits<double>::infinity();
  TrialResult reached;
  reached.status = TrialStatus::kReachedTarget;
  reached.timeToResultSeconds = 12.5;
  reached.metricName = "accuracy";
  EvalRecord e;
  e.validationMetric = 0.8;
  e.validationLoss = 0.3;
  reached.curve.push_back(e);
  TrialResult missed = reached;
  missed.status = TrialStatus::kMaxSteps;
  missed.timeToResultSeconds = inf;
  TrialResult failed;
  failed.status = TrialStatus::kFailed;
  failed.metricName = "accuracy";
  TrialResult bpb = reached;
  bpb.metricName = "bits_per_byte";
  bpb.curve.back().validationMetric = 1.7;
  TrialResult nanLoss = reached;
  nanLoss.curve.back().validationLoss = std::nan("");
  nanLoss.curve.back().validationMetric = std::nan("");

  SweepSpec spec = load("space: {model.quality: {uniform: [0, 1]}}\n");
  spec.objective = SweepObjective::kTimeToResult;
  EXPECT_EQ(TrialPlan::objectiveOf(spec, reached), 12.5);
  EXPECT_EQ(TrialPlan::objectiveOf(spec, missed), inf);
  EXPECT_EQ(TrialPlan::objectiveOf(spec, failed), inf);

  spec.objective = SweepObjective::kFinalValidationMetric;
  EXPECT_EQ(TrialPlan::objectiveOf(spec, reached), -0.8) << "accuracy: higher is better, so it is negated";
  EXPECT_EQ(TrialPlan::objectiveOf(spec, missed), -0.8) << "a missed target still has a final metric";
  EXPECT_EQ(TrialPlan::objectiveOf(spec, bpb), 1.7) << "bits per byte: lower is better";
  EXPECT_EQ(TrialPlan::objectiveOf(spec, failed), inf) << "no evaluation";
  EXPECT_EQ(TrialPlan::objectiveOf(spec, nanLoss), inf);
  // A sweep whose target is the loss (target.metric: loss) still ranks the workload's
  // final metric, accuracy here: higher is better.
  TrialResult lossTarget = reached;
  lossTarget.workload = "noop";
  lossTarget.metricName = "loss";
  lossTarget.targetDirection = TargetDirection::kAtMost;
  EXPECT_EQ(TrialPlan::objectiveOf(spec, lossTarget), -0.8);

  spec.objective = SweepObjective::kFinalValidationLoss;
  EXPECT_EQ(TrialPlan::objectiveOf(spec, reached), 0.3);
  EXPECT_EQ(TrialPlan::objectiveOf(spec, bpb), 0.3);
  EXPECT_EQ(TrialPlan::objectiveOf(spec, failed), inf);
  EXPECT_EQ(TrialPlan::objectiveOf(spec, nanLoss), inf);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// A point drawn twice in a study is one trial (same id, identical training), not a
// duplicate the results file would refuse: AlgoPerf's 5-point NAdamW space hits this.
TEST_F(TrialPlanTest, PointDrawnTwiceInAStudyRunsOnce) {
  const SweepSpec spec = load("trials: 4\nstudies: 2\nspace: {_p: {choice: [0, 1]}}\n"
                              "derived: {model.quality: \"pick(_p, 0.5, 0.7)\"}\n");
  TrialPlan plan(spec, {});
  const std::vector<PlannedTrial> trials = drain(plan);
  const std::vector<std::string> ids = idsOf(trials);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(plan.total(), static_cast<int64_t>(ids.size()));
  EXPECT_LE(ids.size(), 4u);  // at most 2 distinct points x 2 studies
  EXPECT_GE(ids.size(), 2u);
}

}  // namespace
}  // namespace gaplab
