// tests/sweeps/continual_metrics_test.cpp — continual-evaluation metrics on a
// curve whose every number is worked out by hand below.
//
// Why: the stability gap is a transient drop; a metric that looks one
// evaluation too far, counts the pre-switch curve, or flips the sign for a
// loss would report a gap that is not there (or hide one that is).
#include "sweeps/continual_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

constexpr double kTol = 1e-12;

// The hand curve (accuracies), switch at step 20:
//   index        0     1     2*    3     4     5     6     7     8
//   step         0    10    20    30    40    50    60    70    80
//   old        0.95  0.70  0.80  0.60  0.40  0.55  0.70  0.78  0.79
//   new        0.00  0.10  0.10  0.30  0.50  0.45  0.60  0.70  0.72
// s = 2 (step 20, the last evaluation at or before the switch); value at switch 0.80.
// min-ACC = min over steps > 20 = 0.40 at step 40; depth = 0.80 - 0.40 = 0.40.
// WC-ACC (k = 2) = 0.72 / 2 + (1 - 1/2) * 0.40 = 0.56.
// WF^w on old from s: [0.80 0.60 0.40 0.55 0.70 0.78 0.79]
//   w = 1: 0;  w = 2 (neighbours): max(0.20, 0.20) = 0.20;  w = 3: 0.80 -> 0.40 = 0.40;  w = 10: 0.40.
//   (Before the switch 0.95 -> 0.70 is a drop of 0.25; it must not count in WF^2.)
// WP^w on new from s: [0.10 0.30 0.50 0.45 0.60 0.70 0.72]
//   w = 2: 0.20;  w = 3: 0.10 -> 0.50 = 0.40;  w = 10: 0.10 -> 0.72 = 0.62.
//   (From step 0 it would be 0.72; the pre-switch gain must not count.)
// Recovery from the minimum (index 4) on, back within tol of 0.80:
//   tol 0.05 (>= 0.75): 0.78 at step 70;  tol 0.15 (>= 0.65): 0.70 at step 60;  tol 0: never.
ContinualCurve handCurve() {
  return {{0, 10, 20, 30, 40, 50, 60, 70, 80},
          {0.95, 0.70, 0.80, 0.60, 0.40, 0.55, 0.70, 0.78, 0.79},
          {0.00, 0.10, 0.10, 0.30, 0.50, 0.45, 0.60, 0.70, 0.72}};
}

ContinualOptions handOptions(double tolerance) {
  ContinualOptions o;
  o.switchStep = 20;
  o.windows = {1, 2, 3, 10};
  o.recoveryTolerance = tolerance;
  return o;
}

void expectHandWindows(const ContinualMetrics& m) {
  ASSERT_EQ(m.windowed.size(), 4u);
  const double forgetting[] = {0.0, 0.20, 0.40, 0.40};
  const double plasticity[] = {0.0, 0.20, 0.40, 0.62};
  const int windows[] = {1, 2, 3, 10};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("w = " + std::to_string(windows[i]));
    EXPECT_EQ(m.windowed[i].window, windows[i]);
    EXPECT_NEAR(m.windowed[i].forgetting, forgetting[i], kTol);
    EXPECT_NEAR(m.windowed[i].plasticity, plasticity[i], kTol);
  }
}

TEST(ContinualMetrics, HandCurveAccuracy) {
  const ContinualMetrics m = computeContinualMetrics(handCurve(), handOptions(0.05));
  EXPECT_EQ(m.referenceStep, 20);
  EXPECT_DOUBLE_EQ(m.valueAtSwitch, 0.80);
  EXPECT_DOUBLE_EQ(m.minAcc, 0.40);
  EXPECT_EQ(m.minStep, 40);
  EXPECT_NEAR(m.gapDepth, 0.40, kTol);
  EXPECT_DOUBLE_EQ(m.finalOld, 0.79);
  EXPECT_DOUBLE_EQ(m.finalNew, 0.72);
  EXPECT_NEAR(m.wcAcc, 0.56, kTol);
  ASSERT_TRUE(m.recoveryStep.has_value());
  EXPECT_EQ(*m.recoveryStep, 70);
  expectHandWindows(m);
}

TEST(ContinualMetrics, RecoveryDependsOnTolerance) {
  const ContinualMetrics loose = computeContinualMetrics(handCurve(), handOptions(0.15));
  ASSERT_TRUE(loose.recoveryStep.has_value());
  EXPECT_EQ(*loose.recoveryStep, 60);
  const ContinualMetrics strict = computeContinualMetrics(handCurve(), handOptions(0.0));
  EXPECT_FALSE(strict.recoveryStep.has_value());  // 0.79 at the end is still below 0.80
  // A tolerance above the depth: already within it at the minimum itself.
  const ContinualMetrics wide = computeContinualMetrics(handCurve(), handOptions(0.5));
  ASSERT_TRUE(wide.recoveryStep.has_value());
  EXPECT_EQ(*wide.recoveryStep, 40);
}

// The same curve as losses, loss = 1 - accuracy: lower is better. Every
// magnitude is unchanged; min-ACC becomes the worst (largest) old loss 0.60 at
// step 40; WC-ACC = (1 - 0.72) / 2 + 0.5 * 0.60 = 0.14 + 0.30 = 0.44.
TEST(ContinualMetrics, HandCurveLossIsTheMirror) {
  ContinualCurve loss = handCurve();
  for (double& v : loss.oldDomain) v = 1.0 - v;
  for (double& v : loss.newDomain) v = 1.0 - v;
  ContinualOptions o = handOptions(0.05);
  o.direction = MetricDirection::kLowerIsBetter;
  const ContinualMetrics m = computeContinualMetrics(loss, o);
  EXPECT_NEAR(m.valueAtSwitch, 0.20, kTol);
  EXPECT_NEAR(m.minAcc, 0.60, kTol);
  EXPECT_EQ(m.minStep, 40);
  EXPECT_NEAR(m.gapDepth, 0.40, kTol);
  EXPECT_NEAR(m.wcAcc, 0.44, kTol);
  ASSERT_TRUE(m.recoveryStep.has_value());
  EXPECT_EQ(*m.recoveryStep, 70);  // loss <= 0.20 + 0.05: 0.22 at step 70
  expectHandWindows(m);
}

// A switch between evaluations: the reference is the last evaluation at or
// before it. S = 15 -> reference step 10 (0.70); step 20 (0.80) is after the
// switch. min-ACC stays 0.40, the depth is 0.70 - 0.40 = 0.30, and WF^2 now
// also sees 0.70 -> 0.80 -> 0.60 (neighbour drops 0.20, 0.20): 0.20.
TEST(ContinualMetrics, SwitchBetweenEvaluationsUsesTheLastOneBefore) {
  ContinualOptions o = handOptions(0.05);
  o.switchStep = 15;
  const ContinualMetrics m = computeContinualMetrics(handCurve(), o);
  EXPECT_EQ(m.referenceStep, 10);
  EXPECT_DOUBLE_EQ(m.valueAtSwitch, 0.70);
  EXPECT_DOUBLE_EQ(m.minAcc, 0.40);
  EXPECT_NEAR(m.gapDepth, 0.30, kTol);
  ASSERT_TRUE(m.recoveryStep.has_value());
  EXPECT_EQ(*m.recoveryStep, 60);  // >= 0.65 first at 0.70, step 60
  EXPECT_NEAR(m.windowed[1].forgetting, 0.20, kTol);
  // WP^10 from step 10: 0.10 -> 0.72 = 0.62 (step 0's 0.00 is still excluded).
  EXPECT_NEAR(m.windowed[3].plasticity, 0.62, kTol);
}

// No drop at all: depth 0, recovered at the minimum, WF 0; min-ACC is the
// lowest value after the switch even though it is above the value at the switch.
TEST(ContinualMetrics, NoGapWhenTheOldDomainKeepsImproving) {
  ContinualCurve c{{0, 1, 2, 3}, {0.5, 0.6, 0.7, 0.8}, {}};
  ContinualOptions o;
  o.switchStep = 0;
  o.windows = {10};
  const ContinualMetrics m = computeContinualMetrics(c, o);
  EXPECT_DOUBLE_EQ(m.minAcc, 0.6);
  EXPECT_EQ(m.minStep, 1);
  EXPECT_EQ(m.gapDepth, 0.0);
  ASSERT_TRUE(m.recoveryStep.has_value());
  EXPECT_EQ(*m.recoveryStep, 1);
  EXPECT_EQ(m.windowed[0].forgetting, 0.0);
  EXPECT_TRUE(std::isnan(m.wcAcc));  // no new domain given
  EXPECT_TRUE(std::isnan(m.windowed[0].plasticity));
}

TEST(ContinualMetrics, TiesTakeTheFirstMinimum) {
  ContinualCurve c{{0, 1, 2, 3, 4}, {0.9, 0.5, 0.9, 0.5, 0.9}, {}};
  ContinualOptions o;
  const ContinualMetrics m = computeContinualMetrics(c, o);
  EXPECT_EQ(m.minStep, 1);
  ASSERT_TRUE(m.recoveryStep.has_value());
  EXPECT_EQ(*m.recoveryStep, 2);
}

// windowedMaxDrop on {3, 1, 2, 0}: pairs at distance < w.
//   w = 2: 3->1 = 2, 1->2 = -1, 2->0 = 2 -> 2;  w = 4 adds 3->0 = 3 -> 3;  rising values -> 0.
TEST(ContinualMetrics, WindowedMaxDropByHand) {
  EXPECT_DOUBLE_EQ(windowedMaxDrop({3, 1, 2, 0}, 1), 0.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({3, 1, 2, 0}, 2), 2.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({3, 1, 2, 0}, 3), 2.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({3, 1, 2, 0}, 4), 3.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({3, 1, 2, 0}, 100), 3.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({1, 2, 3}, 3), 0.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({}, 3), 0.0);
  // The window slides: the early high value 5 is out of reach of the late 0 for w = 3.
  EXPECT_DOUBLE_EQ(windowedMaxDrop({5, 4, 4, 4, 0}, 3), 4.0);
  EXPECT_DOUBLE_EQ(windowedMaxDrop({5, 4, 4, 4, 0}, 5), 5.0);
  EXPECT_THROW(windowedMaxDrop({1, 2}, 0), std::invalid_argument);
}

std::string errorOf(const ContinualCurve& c, const ContinualOptions& o) {
  try {
    computeContinualMetrics(c, o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ContinualMetrics, RejectsBadInputWithContext) {
  const ContinualOptions ok = handOptions(0.05);
  ContinualCurve c = handCurve();
  c.oldDomain.pop_back();
  EXPECT_NE(errorOf(c, ok).find("one value per step"), std::string::npos);
  c = handCurve();
  c.steps[3] = 20;
  EXPECT_NE(errorOf(c, ok).find("strictly increasing"), std::string::npos);
  c = handCurve();
  c.newDomain[4] = std::nan("");
  EXPECT_NE(errorOf(c, ok).find("step 40"), std::string::npos);
  ContinualOptions o = ok;
  o.switchStep = -1;
  EXPECT_NE(errorOf(handCurve(), o).find("at or before the switch"), std::string::npos);
  o.switchStep = 80;
  EXPECT_NE(errorOf(handCurve(), o).find("after the switch"), std::string::npos);
  o = ok;
  o.windows = {10, 0};
  EXPECT_NE(errorOf(handCurve(), o).find("window 0"), std::string::npos);
  o = ok;
  o.recoveryTolerance = -0.1;
  EXPECT_NE(errorOf(handCurve(), o).find("tolerance"), std::string::npos);
  o = ok;
  o.tasksSeen = 1;
  EXPECT_NE(errorOf(handCurve(), o).find("tasks seen"), std::string::npos);
}

}  // namespace
}  // namespace gaplab
