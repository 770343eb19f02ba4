// tests/sweeps/large_batch_analysis_test.cpp — the large-batch study's table on
// hand-made trials: means and spreads over seeds, the gap, the slope of
// ||w_t - w_0|| against ln(step), regime order, and the refusals.
#include "sweeps/large_batch_analysis.h"

#include <gtest/gtest.h>

#include <cmath>

#include "workloads/weight_distance.h"

namespace gaplab {
namespace {

// A finished trial of `regime` whose distance is a + b ln(step) at steps 10, 20, ..., 10*evals,
// and whose final evaluation has the given train and validation accuracy.
TrialResult trial(const std::string& regime, uint64_t seed, double train, double val, double a, double b,
                  int64_t batch = 128, int evals = 5) {
  TrialResult t;
  t.trialId = regime + "-" + std::to_string(seed);
  t.submission = regime;
  t.seed = seed;
  t.study = static_cast<int>(seed);
  t.status = TrialStatus::kMaxSteps;
  t.metricName = "accuracy";
  t.configYaml = "workload: fmnist_cnn\ntraining:\n  batch_size: " + std::to_string(batch) + "\n";
  for (int i = 1; i <= evals; ++i) {
    EvalRecord r;
    r.step = 10 * i;
    r.evalTrainMetric = i == evals ? train : 0.5;
    r.validationMetric = i == evals ? val : 0.4;
    r.extras.push_back({"validation/other", 1.0});
    r.extras.push_back({kWeightDistanceMetric, a + b * std::log(static_cast<double>(r.step))});
    t.curve.push_back(r);
  }
  t.steps = 10 * evals;
  return t;
}

TEST(Spread, MeanSampleStdMinMax) {
  const Spread s = Spread::of({1.0, 2.0, 3.0, 6.0});
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(14.0 / 3.0));  // squares 4 + 1 + 0 + 9 over n - 1
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 6.0);
  EXPECT_EQ(Spread::of({0.7}).std, 0.0);
  EXPECT_TRUE(std::isnan(Spread::of({}).mean));
}

TEST(SlopeAgainstLogStep, ExactLogLawGivesItsSlope) {
  std::vector<int64_t> steps{1, 3, 10, 100, 1000};
  std::vector<double> d;
  for (int64_t s : steps) d.push_back(2.5 + 0.75 * std::log(static_cast<double>(s)));
  EXPECT_NEAR(slopeAgainstLogStep(steps, d), 0.75, 1e-12);
  // Step 0 (and below) carries no log: left out, it does not bend the fit.
  steps.insert(steps.begin(), 0);
  d.insert(d.begin(), 1000.0);
  EXPECT_NEAR(slopeAgainstLogStep(steps, d), 0.75, 1e-12);
}

TEST(SlopeAgainstLogStep, LeastSquaresOfNoisyPoints) {
  // Steps 1, 3, 9 -> x = 0, ln3, 2 ln3; y = 0, 1, 3 (not on a line).
  const std::vector<int64_t> s{1, 3, 9};
  const std::vector<double> y{0.0, 1.0, 3.0};
  const double l = std::log(3.0);
  // slope = sum (x - mx)(y - my) / sum (x - mx)^2 with mx = l, my = 4/3: (l*(4/3) + 0 + l*(5/3)) / (2 l^2) = 1.5 / l
  EXPECT_NEAR(slopeAgainstLogStep(s, y), 1.5 / l, 1e-12);
  EXPECT_TRUE(std::isnan(slopeAgainstLogStep({5}, {1.0})));
  EXPECT_TRUE(std::isnan(slopeAgainstLogStep({5, 5}, {1.0, 2.0})));
  EXPECT_THROW(slopeAgainstLogStep({1, 2}, {1.0}), std::invalid_argument);
}

TEST(LargeBatchAnalysis, TableOfMeansSpreadsGapsAndSlopes) {
  std::vector<TrialResult> trials{
      trial("lb", 0, 0.90, 0.80, 1.0, 2.0, 2048), trial("sb", 0, 0.95, 0.88, 0.5, 4.0),
      trial("lb", 1, 0.94, 0.82, 1.0, 3.0, 2048), trial("sb", 1, 0.97, 0.90, 0.5, 6.0),
      trial("sb", 2, 0.96, 0.86, 0.5, 5.0)};
  const LargeBatchStudy study = analyzeLargeBatchStudy(trials, {"sb", "lb", "not_run"});
  EXPECT_EQ(study.metricName, "accuracy");
  ASSERT_EQ(study.regimes.size(), 2u);
  const LargeBatchRegime& sb = study.regimes[0];
  const LargeBatchRegime& lb = study.regimes[1];
  EXPECT_EQ(sb.name, "sb");
  EXPECT_EQ(lb.name, "lb");
  EXPECT_EQ(sb.batchSize, 128);
  EXPECT_EQ(lb.batchSize, 2048);
  EXPECT_EQ(sb.steps, 50);
  EXPECT_EQ(sb.seeds, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_NEAR(sb.validationMetric.mean, 0.88, 1e-12);
  EXPECT_NEAR(sb.validationMetric.std, 0.02, 1e-12);
  EXPECT_NEAR(sb.trainMetric.mean, 0.96, 1e-12);
  EXPECT_NEAR(sb.metricGap.mean, 0.08, 1e-12);  // gaps 0.07, 0.07, 0.10
  EXPECT_NEAR(sb.metricGap.min, 0.07, 1e-12);
  EXPECT_NEAR(sb.metricGap.max, 0.10, 1e-12);
  EXPECT_NEAR(sb.distanceSlope.mean, 5.0, 1e-9);  // slopes 4, 6, 5
  EXPECT_NEAR(sb.distanceSlope.std, 1.0, 1e-9);
  EXPECT_NEAR(lb.distanceSlope.mean, 2.5, 1e-9);
  EXPECT_NEAR(lb.metricGap.mean, 0.11, 1e-12);  // 0.10, 0.12
  EXPECT_NEAR(lb.finalDistance.mean, 1.0 + 2.5 * std::log(50.0), 1e-9);
  // Mean distance curve: one point per evaluated step, over the seeds.
  ASSERT_EQ(sb.meanDistanceCurve.size(), 5u);
  EXPECT_EQ(sb.meanDistanceCurve[0].step, 10);
  EXPECT_EQ(sb.meanDistanceCurve[0].trials, 3);
  EXPECT_NEAR(sb.meanDistanceCurve[0].meanDistance, 0.5 + 5.0 * std::log(10.0), 1e-9);
}

TEST(LargeBatchAnalysis, RegimesWithoutAnOrderComeInFileOrder) {
  std::vector<TrialResult> trials{trial("b", 0, 0.9, 0.8, 0, 1), trial("a", 0, 0.9, 0.8, 0, 1),
                                  trial("b", 1, 0.9, 0.8, 0, 1)};
  const LargeBatchStudy study = analyzeLargeBatchStudy(trials);
  ASSERT_EQ(study.regimes.size(), 2u);
  EXPECT_EQ(study.regimes[0].name, "b");
  EXPECT_EQ(study.regimes[1].name, "a");
}

TEST(LargeBatchAnalysis, FailedAndDivergedTrialsAreCountedButLeftOut) {
  std::vector<TrialResult> trials{trial("sb", 0, 0.9, 0.8, 0, 1), trial("sb", 1, 0.1, 0.1, 0, 9)};
  trials[1].status = TrialStatus::kDiverged;
  const LargeBatchStudy study = analyzeLargeBatchStudy(trials);
  ASSERT_EQ(study.regimes.size(), 1u);
  EXPECT_EQ(study.regimes[0].excluded, 1);
  EXPECT_EQ(study.regimes[0].validationMetric.count, 1);
  EXPECT_NEAR(study.regimes[0].distanceSlope.mean, 1.0, 1e-9);

  trials[0].status = TrialStatus::kFailed;
  try {
    analyzeLargeBatchStudy(trials);
    ADD_FAILURE() << "accepted a regime without a finished trial";
  } catch (const LargeBatchAnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("'sb'"), std::string::npos) << e.what();
  }
}

TEST(LargeBatchAnalysis, RefusesTrialsWithoutRegimesOrDistances) {
  EXPECT_THROW(analyzeLargeBatchStudy({}), LargeBatchAnalysisError);

  std::vector<TrialResult> plain{trial("", 0, 0.9, 0.8, 0, 1)};
  try {
    analyzeLargeBatchStudy(plain);
    ADD_FAILURE() << "accepted trials without a submission";
  } catch (const LargeBatchAnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("no sweep submission"), std::string::npos) << e.what();
  }

  std::vector<TrialResult> untracked{trial("sb", 0, 0.9, 0.8, 0, 1)};
  for (EvalRecord& r : untracked[0].curve) r.extras.pop_back();  // no weight distance
  try {
    analyzeLargeBatchStudy(untracked);
    ADD_FAILURE() << "accepted a trial without weight distances";
  } catch (const LargeBatchAnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("track_weight_distance"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sb-0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
