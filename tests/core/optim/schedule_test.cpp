// tests/core/optim/schedule_test.cpp — every schedule at its key steps, and argument checks.
//
// Warmup convention under test (AlgoPerf's): lr = peak * step / warmupSteps for
// step < warmupSteps, so step 0 gives 0 and step warmupSteps gives the peak.
#include "core/optim/schedule.h"

#include <cmath>
#include <memory>
#include <numbers>

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

constexpr double kTol = 1e-12;

TEST(ConstantSchedule, WarmupThenConstant) {
  ConstantSchedule s(0.1, 4);
  EXPECT_EQ(s.learningRate(0), 0.0);
  EXPECT_NEAR(s.learningRate(2), 0.05, kTol);  // 0.1 * 2/4
  EXPECT_NEAR(s.learningRate(3), 0.075, kTol);
  EXPECT_EQ(s.learningRate(4), 0.1);
  EXPECT_EQ(s.learningRate(1000000), 0.1);
  EXPECT_EQ(ConstantSchedule(0.3).learningRate(0), 0.3);  // no warmup
  EXPECT_EQ(s.name(), "constant");
}

TEST(WarmupCosineSchedule, KeySteps) {
  WarmupCosineSchedule s(1.0, 10, 110, 0.1);  // cosine over steps 10..110
  EXPECT_EQ(s.learningRate(0), 0.0);
  EXPECT_NEAR(s.learningRate(5), 0.5, kTol);  // 1.0 * 5/10
  EXPECT_EQ(s.learningRate(10), 1.0);         // end of warmup: progress 0
  // quarter: progress 25/100, 0.1 + 0.9 * (1 + cos(pi/4))/2 = 0.1 + 0.9 * 0.8535534 = 0.8681981
  EXPECT_NEAR(s.learningRate(35), 0.1 + 0.9 * 0.5 * (1.0 + std::cos(std::numbers::pi / 4)), kTol);
  EXPECT_NEAR(s.learningRate(60), 0.55, kTol);  // mid: 0.1 + 0.9 * 0.5
  EXPECT_NEAR(s.learningRate(110), 0.1, kTol);  // end: floor
  EXPECT_EQ(s.learningRate(500), 0.1);          // after the end: floor
  EXPECT_GT(s.learningRate(109), 0.1);
}

TEST(WarmupCosineSchedule, AlgoPerfBaselineHasZeroFloor) {
  WarmupCosineSchedule s(2.0, 0, 100);
  EXPECT_EQ(s.learningRate(0), 2.0);  // no warmup: starts at the peak
  EXPECT_NEAR(s.learningRate(50), 1.0, kTol);
  EXPECT_EQ(s.learningRate(100), 0.0);
}

TEST(WarmupLinearDecaySchedule, KeySteps) {
  WarmupLinearDecaySchedule s(1.0, 10, 110, 0.0);
  EXPECT_EQ(s.learningRate(0), 0.0);
  EXPECT_NEAR(s.learningRate(5), 0.5, kTol);
  EXPECT_EQ(s.learningRate(10), 1.0);
  EXPECT_NEAR(s.learningRate(35), 0.75, kTol);  // 1 - 25/100
  EXPECT_NEAR(s.learningRate(60), 0.5, kTol);   // 1 - 50/100
  EXPECT_EQ(s.learningRate(110), 0.0);
  EXPECT_EQ(s.learningRate(111), 0.0);
  WarmupLinearDecaySchedule withFloor(1.0, 0, 100, 0.2);
  EXPECT_NEAR(withFloor.learningRate(50), 0.6, kTol);  // 0.2 + 0.8 * 0.5
  EXPECT_EQ(withFloor.learningRate(200), 0.2);
}

TEST(StepDecaySchedule, KeySteps) {
  StepDecaySchedule s(0.1, {10, 20}, 0.1, 5);
  EXPECT_EQ(s.learningRate(0), 0.0);
  EXPECT_NEAR(s.learningRate(2), 0.04, kTol);  // 0.1 * 2/5
  EXPECT_EQ(s.learningRate(5), 0.1);           // end of warmup
  EXPECT_EQ(s.learningRate(9), 0.1);
  EXPECT_NEAR(s.learningRate(10), 0.01, kTol);  // first milestone: 0.1 * 0.1
  EXPECT_NEAR(s.learningRate(19), 0.01, kTol);
  EXPECT_NEAR(s.learningRate(20), 0.001, kTol);  // second milestone: 0.1 * 0.1^2
  EXPECT_NEAR(s.learningRate(100000), 0.001, kTol);
  EXPECT_EQ(StepDecaySchedule(0.5, {}, 0.1).learningRate(7), 0.5);  // no milestones: constant
}

TEST(WarmupStableDecaySchedule, LinearDecayOverLastFraction) {
  WarmupStableDecaySchedule s(1.0, 10, 100, 0.2, 0.0, DecayShape::kLinear);
  EXPECT_EQ(s.decayStart(), 80);  // 100 - 0.2*100
  EXPECT_EQ(s.learningRate(0), 0.0);
  EXPECT_NEAR(s.learningRate(5), 0.5, kTol);
  EXPECT_EQ(s.learningRate(10), 1.0);  // end of warmup
  EXPECT_EQ(s.learningRate(50), 1.0);  // stable
  EXPECT_EQ(s.learningRate(80), 1.0);  // first decay step: progress 0
  EXPECT_NEAR(s.learningRate(90), 0.5, kTol);
  EXPECT_EQ(s.learningRate(100), 0.0);
  EXPECT_EQ(s.learningRate(150), 0.0);
}

TEST(WarmupStableDecaySchedule, CosineAndOneMinusSqrtShapes) {
  WarmupStableDecaySchedule cosine(1.0, 10, 100, 0.2, 0.1, DecayShape::kCosine);
  EXPECT_NEAR(cosine.learningRate(90), 0.55, kTol);  // 0.1 + 0.9 * (1 + cos(pi/2))/2
  EXPECT_NEAR(cosine.learningRate(100), 0.1, kTol);
  WarmupStableDecaySchedule sqrtShape(1.0, 10, 100, 0.2, 0.0, DecayShape::kOneMinusSqrt);
  EXPECT_NEAR(sqrtShape.learningRate(85), 0.5, kTol);  // progress 5/20 = 0.25, 1 - sqrt(0.25)
  EXPECT_NEAR(sqrtShape.learningRate(95), 1.0 - std::sqrt(0.75), kTol);
  EXPECT_EQ(sqrtShape.learningRate(100), 0.0);
}

TEST(WarmupStableDecaySchedule, ZeroDecayFractionStaysAtPeakUntilTheEnd) {
  WarmupStableDecaySchedule s(1.0, 0, 100, 0.0, 0.25);
  EXPECT_EQ(s.learningRate(99), 1.0);
  EXPECT_EQ(s.learningRate(100), 0.25);
}

TEST(LrSchedule, UsableThroughTheInterface) {
  std::unique_ptr<LrSchedule> s = std::make_unique<WarmupStableDecaySchedule>(1.0, 10, 100, 0.2);
  EXPECT_EQ(s->name(), "warmup_stable_decay");
  EXPECT_NEAR(s->learningRate(90), 0.5, kTol);
}

TEST(LrSchedule, InvalidArgumentsThrow) {
  using testing::expectInvalidArgument;
  expectInvalidArgument([] { ConstantSchedule(-1.0); }, "constant: lr = -1, expected a finite value >= 0");
  expectInvalidArgument([] { ConstantSchedule(0.1, -2); }, "constant: warmupSteps = -2, expected warmupSteps >= 0");
  expectInvalidArgument([] { WarmupCosineSchedule(1.0, 10, 5); },
                        "warmup_cosine: totalSteps = 5, expected totalSteps >= warmupSteps (10)");
  expectInvalidArgument([] { WarmupCosineSchedule(1.0, 0, 0); },
                        "warmup_cosine: totalSteps = 0, expected totalSteps > 0");
  expectInvalidArgument([] { WarmupLinearDecaySchedule(1.0, 0, 10, 2.0); },
                        "warmup_linear_decay: floorLr = 2, expected 0 <= floorLr <= peakLr (1)");
  expectInvalidArgument([] { WarmupLinearDecaySchedule(std::nan(""), 0, 10); },
                        "warmup_linear_decay: peakLr = nan, expected a finite value >= 0");
  expectInvalidArgument([] { StepDecaySchedule(0.1, {10}, 0.0); }, "step_decay: gamma = 0, expected 0 < gamma <= 1");
  expectInvalidArgument([] { StepDecaySchedule(0.1, {10, 10}, 0.5); },
                        "step_decay: milestones[1] = 10, expected strictly increasing milestones > 0 (previous: 10)");
  expectInvalidArgument([] { StepDecaySchedule(0.1, {0}, 0.5); },
                        "step_decay: milestones[0] = 0, expected strictly increasing milestones > 0 (previous: 0)");
  expectInvalidArgument([] { WarmupStableDecaySchedule(1.0, 10, 100, 1.5); },
                        "warmup_stable_decay: decayFraction = 1.5, expected 0 <= decayFraction <= 1");
  expectInvalidArgument([] { WarmupStableDecaySchedule(1.0, 10, 100, 0.95); },
                        "warmup_stable_decay: decayFraction = 0.95, expected warmupSteps (10) + "
                        "round(decayFraction * totalSteps) <= totalSteps (100)");
  expectInvalidArgument([] { ConstantSchedule(0.1).learningRate(-1); }, "constant: step = -1, expected step >= 0");
}

}  // namespace
}  // namespace gaplab
