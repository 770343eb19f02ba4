// tests/sweeps/step_law_fit_test.cpp — the Step Law prediction, the 0.25%
// filter, the OLS fit with bootstrap intervals and the hold-out, on inputs
// whose answers are known by construction or worked out by hand.
//
// Why: a scaling-law fit that silently keeps the wrong runs, or whose
// intervals do not contain the truth on data generated from the truth, would
// put made-up exponents beside the published ones.
#include "sweeps/step_law_fit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 1.79 * 1e8^-0.713 * 1e11^0.307 = 0.0084304941425055; 0.58 * 1e11^0.571 = 1107714.889968 (python).
TEST(StepLawFit, PublishedPrediction) {
  const StepLawPrediction p = predictStepLaw(kPublishedStepLaw, 1e8, 1e11);
  EXPECT_NEAR(p.learningRate, 0.0084304941425055, 1e-15);
  EXPECT_NEAR(p.batchTokens, 1107714.889968, 1e-5);
  EXPECT_THROW(predictStepLaw(kPublishedStepLaw, 0.0, 1e11), std::invalid_argument);
  EXPECT_THROW(predictStepLaw(kPublishedStepLaw, 1e8, kNaN), std::invalid_argument);
}

// Cell (1, 1): best 2.000, threshold 2.000 * 1.0025 = 2.005: keeps 2.000 and
// 2.004, not 2.006 or 2.010; the NaN (diverged) run is dropped.
// Cell (1, 2): best 3.000, threshold 3.0075: keeps 3.000 and 3.007, not 3.008.
// Cell (2, 1): one run, always kept.
TEST(StepLawFit, KeepsRunsWithinAQuarterPercentOfTheirCellsBest) {
  const std::vector<StepLawRun> runs = {
      {1, 1, 0.1, 10, 2.004, "a"}, {1, 1, 0.2, 10, 2.006, "b"}, {1, 2, 0.1, 10, 3.008, "c"},
      {1, 1, 0.3, 10, 2.000, "d"}, {1, 1, 0.4, 10, 2.010, "e"}, {1, 1, 0.5, 10, kNaN, "f"},
      {1, 2, 0.2, 10, 3.000, "g"}, {1, 2, 0.3, 10, 3.007, "h"}, {2, 1, 0.1, 10, 9.0, "i"},
  };
  std::string kept;
  for (const StepLawRun& r : keepNearBest(runs, 0.0025)) kept += r.label;
  EXPECT_EQ(kept, "adghi");  // input order
  std::string strict;
  for (const StepLawRun& r : keepNearBest(runs, 0.0)) strict += r.label;
  EXPECT_EQ(strict, "dgi");  // tolerance 0: only each cell's best
  EXPECT_THROW(keepNearBest(runs, -0.001), std::invalid_argument);
}

// A sweep generated from a known law: cells N in {1e6, 4e6, 1.6e7, 6.4e7} x
// D in {1e8, 1e9, 1e10}; in each, runs at lr = lr* 2^(i/2), B = B* 2^(j/2),
// i, j in -2..2, with loss L0 (1 + 0.001 (i^2 + j^2)). Within 0.25%: i^2 + j^2 <= 2,
// the 3 x 3 block around the optimum, symmetric in (ln lr, ln B), so OLS on it
// returns the optimum's law. `noise` multiplies each cell's optimum by
// exp(noise * z) (z standard normal, Philox stream), separately for lr and B.
const StepLaw kTruth{0.5, -0.35, 0.1, 2.0, 0.45};

std::vector<StepLawRun> sweepFromLaw(double noise, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic);
  std::vector<StepLawRun> runs;
  for (double n : {1e6, 4e6, 1.6e7, 6.4e7}) {
    for (double d : {1e8, 1e9, 1e10}) {
      StepLawPrediction opt = predictStepLaw(kTruth, n, d);
      opt.learningRate *= std::exp(noise * rng.normal());
      opt.batchTokens *= std::exp(noise * rng.normal());
      const double l0 = 3.0 + 1e7 / n + 1e9 / d;
      for (int i = -2; i <= 2; ++i)
        for (int j = -2; j <= 2; ++j)
          runs.push_back({n, d, opt.learningRate * std::exp2(i / 2.0), opt.batchTokens * std::exp2(j / 2.0),
                          l0 * (1.0 + 0.001 * (i * i + j * j)), ""});
    }
  }
  return runs;
}

TEST(StepLawFit, ExactPowerLawIsRecoveredExactly) {
  StepLawFitOptions o;
  o.bootstrapResamples = 200;
  const StepLawFit fit = fitStepLaw(sweepFromLaw(0.0, 0), o);
  EXPECT_EQ(fit.runsGiven, 12 * 25);
  EXPECT_EQ(fit.runsDropped, 0);
  EXPECT_EQ(fit.runsKept, 12 * 9);
  ASSERT_EQ(fit.cells.size(), 12u);
  EXPECT_EQ(fit.cells.front().params, 1e6);
  EXPECT_EQ(fit.cells.front().tokens, 1e8);
  EXPECT_EQ(fit.cells.front().kept, 9);
  EXPECT_NEAR(fit.law.lrScale, kTruth.lrScale, 1e-9);
  EXPECT_NEAR(fit.law.lrParamsExponent, kTruth.lrParamsExponent, 1e-10);
  EXPECT_NEAR(fit.law.lrTokensExponent, kTruth.lrTokensExponent, 1e-10);
  EXPECT_NEAR(fit.law.batchScale, kTruth.batchScale, 1e-9);
  EXPECT_NEAR(fit.law.batchTokensExponent, kTruth.batchTokensExponent, 1e-10);
  // Every resample of exact data gives the same law: zero-width intervals.
  EXPECT_NEAR(fit.high.lrParamsExponent - fit.low.lrParamsExponent, 0.0, 1e-9);
  EXPECT_NEAR(fit.high.batchTokensExponent - fit.low.batchTokensExponent, 0.0, 1e-9);
  EXPECT_EQ(fit.resamples, 200);
  // Hold-out (N 6.4e7, D 1e10): the law of the other 11 cells predicts the optimum exactly;
  // the closest run is the best one, so its loss excess is 0.
  ASSERT_TRUE(fit.holdOut.has_value());
  EXPECT_EQ(fit.holdOut->params, 6.4e7);
  EXPECT_EQ(fit.holdOut->tokens, 1e10);
  const StepLawPrediction truth = predictStepLaw(kTruth, 6.4e7, 1e10);
  EXPECT_NEAR(fit.holdOut->predicted.learningRate / truth.learningRate, 1.0, 1e-9);
  EXPECT_NEAR(fit.holdOut->best.learningRate / truth.learningRate, 1.0, 1e-12);
  EXPECT_NEAR(fit.holdOut->closest.learningRate / truth.learningRate, 1.0, 1e-12);
  EXPECT_NEAR(fit.holdOut->closestLossExcess, 0.0, 1e-15);
  const StepLawPrediction published = predictStepLaw(kPublishedStepLaw, 6.4e7, 1e10);
  EXPECT_DOUBLE_EQ(fit.holdOut->published.learningRate, published.learningRate);
}

TEST(StepLawFit, NoisyPowerLawIsWithinItsIntervals) {
  const StepLawFit fit = fitStepLaw(sweepFromLaw(0.1, 7));  // 1000 resamples, 95%
  EXPECT_EQ(fit.resamples, 1000);
  struct Coefficient {
    const char* name;
    double truth, estimate, low, high, maxWidth;
  };
  const Coefficient coefficients[] = {
      {"lr scale", kTruth.lrScale, fit.law.lrScale, fit.low.lrScale, fit.high.lrScale, 5.0},
      {"lr N exponent", kTruth.lrParamsExponent, fit.law.lrParamsExponent, fit.low.lrParamsExponent,
       fit.high.lrParamsExponent, 0.2},
      {"lr D exponent", kTruth.lrTokensExponent, fit.law.lrTokensExponent, fit.low.lrTokensExponent,
       fit.high.lrTokensExponent, 0.2},
      {"batch scale", kTruth.batchScale, fit.law.batchScale, fit.low.batchScale, fit.high.batchScale, 5.0},
      {"batch D exponent", kTruth.batchTokensExponent, fit.law.batchTokensExponent, fit.low.batchTokensExponent,
       fit.high.batchTokensExponent, 0.2},
  };
  for (const Coefficient& c : coefficients) {
    SCOPED_TRACE(c.name);
    EXPECT_LE(c.low, c.truth);
    EXPECT_GE(c.high, c.truth);
    EXPECT_LE(c.low, c.estimate);
    EXPECT_GE(c.high, c.estimate);
    EXPECT_GT(c.high - c.low, 0.0);  // noise gives intervals of nonzero width ...
    EXPECT_LT(c.high - c.low, c.maxWidth);  // ... but not uninformative ones
  }
  // The intervals exclude Step Law's published exponents, which are not this data's truth.
  EXPECT_GT(fit.low.lrParamsExponent, kPublishedStepLaw.lrParamsExponent);
  EXPECT_LT(fit.high.lrTokensExponent, kPublishedStepLaw.lrTokensExponent);
  // Same seed, same intervals; another seed, other draws.
  const StepLawFit again = fitStepLaw(sweepFromLaw(0.1, 7));
  EXPECT_EQ(again.low.lrParamsExponent, fit.low.lrParamsExponent);
  StepLawFitOptions other;
  other.seed = 1;
  EXPECT_NE(fitStepLaw(sweepFromLaw(0.1, 7), other).low.lrParamsExponent, fit.low.lrParamsExponent);
}

// The held-out cell's optimum lies one grid step (x 2^(1/2) in lr) above the law
// of the other cells. The law predicts the grid point i = 0 exactly, so the
// closest run is (i = 0, j = 0) of that cell, whose loss is L0 (1 + 0.001 * 1)
// in the shifted bowl: a loss excess of exactly 0.001 over the best run.
TEST(StepLawFit, HoldOutReportsTheLossAtThePredictedSetting) {
  std::vector<StepLawRun> runs = sweepFromLaw(0.0, 0);
  for (StepLawRun& r : runs) {
    if (r.params != 6.4e7 || r.tokens != 1e10) continue;
    // Relabel losses so the optimum is at i = +1: loss uses (i - 1)^2.
    const double i = std::round(2.0 * std::log2(r.learningRate / predictStepLaw(kTruth, r.params, r.tokens).learningRate));
    const double j = std::round(2.0 * std::log2(r.batchTokens / predictStepLaw(kTruth, r.params, r.tokens).batchTokens));
    const double l0 = 3.0 + 1e7 / r.params + 1e9 / r.tokens;
    r.finalLoss = l0 * (1.0 + 0.001 * ((i - 1) * (i - 1) + j * j));
  }
  StepLawFitOptions o;
  o.bootstrapResamples = 50;
  const StepLawFit fit = fitStepLaw(runs, o);
  ASSERT_TRUE(fit.holdOut.has_value());
  const StepLawPrediction truth = predictStepLaw(kTruth, 6.4e7, 1e10);
  EXPECT_NEAR(fit.holdOut->predicted.learningRate / truth.learningRate, 1.0, 1e-9);
  EXPECT_NEAR(fit.holdOut->best.learningRate / truth.learningRate, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(fit.holdOut->closest.learningRate / truth.learningRate, 1.0, 1e-12);
  EXPECT_NEAR(fit.holdOut->closestLossExcess, 0.001, 1e-12);
}

TEST(StepLawFit, RejectsUndeterminedLawsAndBadRuns) {
  // One N only: ln N is constant, collinear with the intercept.
  std::vector<StepLawRun> oneN = {{1e6, 1e8, 0.1, 1e4, 3.0, ""}, {1e6, 1e9, 0.05, 2e4, 2.9, ""}};
  EXPECT_THROW(fitStepLaw(oneN), std::invalid_argument);
  // D proportional to N (D = 20 N) in every cell: ln D = ln N + ln 20.
  std::vector<StepLawRun> chinchilla;
  for (double n : {1e6, 1e7, 1e8}) chinchilla.push_back({n, 20 * n, 0.01, 1e5, 3.0, ""});
  try {
    fitStepLaw(chinchilla);
    ADD_FAILURE() << "collinear design accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collinear"), std::string::npos) << e.what();
  }
  std::vector<StepLawRun> bad = {{1e6, 1e8, -0.1, 1e4, 3.0, "trial-x"}};
  try {
    fitStepLaw(bad);
    ADD_FAILURE() << "negative lr accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("trial-x"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fitStepLaw({}), std::invalid_argument);
  StepLawFitOptions o;
  o.bootstrapResamples = 0;
  EXPECT_THROW(fitStepLaw(sweepFromLaw(0.0, 0), o), std::invalid_argument);
}

// Without the largest cell of a 2 x 2 grid, three cells remain and still
// determine the law; of a 2 x 1 grid plus one cell, the rest may not: then a note.
TEST(StepLawFit, HoldOutNoteWhenTheRestCannotDetermineTheLaw) {
  std::vector<StepLawRun> runs = {{1e6, 1e8, 0.1, 1e4, 3.0, ""},
                                  {1e7, 1e8, 0.05, 1e4, 2.8, ""},
                                  {1e6, 1e9, 0.12, 2e4, 2.9, ""}};
  StepLawFitOptions o;
  o.bootstrapResamples = 20;
  // Largest N * D: (1e6, 1e9) and (1e7, 1e8) tie at 1e15; the larger N, (1e7, 1e8), is held out,
  // leaving one N: no hold-out. (Bootstrap redraws the degenerate resamples.)
  const StepLawFit fit = fitStepLaw(runs, o);
  EXPECT_FALSE(fit.holdOut.has_value());
  EXPECT_NE(fit.holdOutNote.find("cannot determine"), std::string::npos) << fit.holdOutNote;
  EXPECT_GT(fit.degenerateRedraws, 0);
}

}  // namespace
}  // namespace gaplab
