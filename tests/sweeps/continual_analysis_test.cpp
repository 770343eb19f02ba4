// tests/sweeps/continual_analysis_test.cpp — curves recorded as extras become
// continual metrics per trial and per strategy (hand-made curves, hand-computed values).
#include "sweeps/continual_analysis.h"

#include <gtest/gtest.h>

namespace gaplab {
namespace {

// A continued run: old-domain accuracy `oldCurve` and new-domain accuracy `newCurve` at steps 0, 10, 20, ...
TrialResult continued(const std::string& id, const std::string& submission, uint64_t seed,
                      const std::vector<double>& oldCurve, const std::vector<double>& newCurve) {
  TrialResult t;
  t.trialId = id;
  t.submission = submission;
  t.seed = seed;
  for (std::size_t i = 0; i < oldCurve.size(); ++i) {
    EvalRecord r;
    r.step = static_cast<int64_t>(10 * i);
    r.extras = {{"validation/fortunes_en/next_byte_accuracy", oldCurve[i]},
                {"validation/fortunes_de/next_byte_accuracy", newCurve[i]},
                {"validation/fortunes_en/bits_per_byte", 5.0 - oldCurve[i]},
                {"validation/fortunes_de/bits_per_byte", 5.0 - newCurve[i]}};
    t.curve.push_back(r);
  }
  return t;
}

TEST(ContinualAnalysis, MetricsPerTrialAndStrategy) {
  ContinualAnalysisOptions o;
  o.windows = {2};
  o.recoveryTolerance = 0.0;
  // Replay: dips from 0.50 to 0.40 then recovers to 0.50 at step 30; the new domain rises 0.20 -> 0.45.
  // Plain: dips to 0.30 (seed 0) / 0.32 (seed 1) and never recovers.
  const std::vector<TrialResult> trials = {
      continued("a", "replay", 0, {0.50, 0.40, 0.45, 0.50}, {0.20, 0.30, 0.40, 0.45}),
      continued("b", "plain", 0, {0.50, 0.30, 0.35, 0.40}, {0.20, 0.35, 0.45, 0.50}),
      continued("c", "plain", 1, {0.50, 0.32, 0.36, 0.38}, {0.20, 0.36, 0.44, 0.48}),
      TrialResult{},  // no monitored curves: skipped
  };
  const ContinualAnalysis a = analyzeContinual(trials, o);
  ASSERT_EQ(a.trials.size(), 3u);
  ASSERT_EQ(a.skipped.size(), 1u);
  EXPECT_EQ(a.trials[0].submission, "plain");  // sorted by submission, then seed
  EXPECT_EQ(a.trials[0].seed, 0u);
  ASSERT_EQ(a.strategies.size(), 2u);

  const ContinualStrategyRow& plain = a.strategies[0];
  EXPECT_EQ(plain.submission, "plain");
  EXPECT_EQ(plain.trials, 2);
  EXPECT_DOUBLE_EQ(plain.minAcc.mean, 0.31);          // (0.30 + 0.32) / 2
  EXPECT_DOUBLE_EQ(plain.minAcc.min, 0.30);
  EXPECT_DOUBLE_EQ(plain.minAcc.max, 0.32);
  EXPECT_NEAR(plain.gapDepth.mean, 0.19, 1e-12);      // (0.20 + 0.18) / 2
  EXPECT_NEAR(plain.wcAcc.mean, (0.5 * 0.50 + 0.5 * 0.30 + 0.5 * 0.48 + 0.5 * 0.32) / 2, 1e-12);
  EXPECT_NEAR(plain.forgetting[0].mean, 0.19, 1e-12);  // WF^2: the drop between neighbours
  EXPECT_EQ(plain.recovered, 0);

  const ContinualStrategyRow& replay = a.strategies[1];
  EXPECT_EQ(replay.trials, 1);
  EXPECT_DOUBLE_EQ(replay.minAcc.mean, 0.40);
  EXPECT_NEAR(replay.gapDepth.mean, 0.10, 1e-12);
  EXPECT_EQ(replay.recovered, 1);
  EXPECT_DOUBLE_EQ(replay.recoveryStep.mean, 30.0);
  EXPECT_NEAR(replay.plasticity[0].mean, 0.10, 1e-12);  // WP^2: the largest gain between neighbours (0.30 -> 0.40)
  EXPECT_DOUBLE_EQ(replay.finalNew.mean, 0.45);

  // The mean curves the plots draw: both domains per step, averaged over seeds.
  EXPECT_EQ(plain.meanCurve.steps, (std::vector<int64_t>{0, 10, 20, 30}));
  EXPECT_NEAR(plain.meanCurve.oldDomain[1], 0.31, 1e-12);
  EXPECT_NEAR(plain.meanCurve.newDomain[3], 0.49, 1e-12);
  EXPECT_EQ(replay.meanCurve.oldDomain, (std::vector<double>{0.50, 0.40, 0.45, 0.50}));
  EXPECT_EQ(a.trials[1].curve.steps.size(), 4u);  // each trial keeps its own curve

  // In bits per byte (lower is better) the same curves give the same magnitudes.
  o.measure = ContinualMeasure::kBitsPerByte;
  const ContinualAnalysis bits = analyzeContinual(trials, o);
  EXPECT_NEAR(bits.strategies[0].gapDepth.mean, 0.19, 1e-12);
  EXPECT_NEAR(bits.strategies[0].minAcc.mean, 5.0 - 0.31, 1e-12);  // the worst (largest) bits per byte
}

TEST(ContinualAnalysis, MeanCurveKeepsOnlyTheStepsEverySeedEvaluated) {
  TrialResult shorter = continued("b", "plain", 1, {0.50, 0.30, 0.40}, {0.20, 0.30, 0.40});  // steps 0, 10, 20
  shorter.curve.erase(shorter.curve.begin() + 1);                                              // steps 0, 20
  const ContinualAnalysis a =
      analyzeContinual({continued("a", "plain", 0, {0.50, 0.30, 0.36, 0.40}, {0.2, 0.3, 0.4, 0.5}), shorter}, {});
  ASSERT_EQ(a.strategies.size(), 1u);
  EXPECT_EQ(a.strategies[0].meanCurve.steps, (std::vector<int64_t>{0, 20}));
  EXPECT_NEAR(a.strategies[0].meanCurve.oldDomain[1], 0.38, 1e-12);
}

TEST(ContinualAnalysis, RefusesResultsWithoutMonitoredCurves) {
  ContinualAnalysisOptions o;
  o.oldCorpus = "klingon";
  try {
    analyzeContinual({continued("a", "s", 0, {0.5, 0.4}, {0.2, 0.3})}, o);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("validation/klingon/next_byte_accuracy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("eval_at_start"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
