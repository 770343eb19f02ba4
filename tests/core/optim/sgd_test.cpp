// tests/core/optim/sgd_test.cpp — SGD, heavy-ball and Nesterov steps computed by hand.
#include "core/optim/sgd.h"

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

using testing::expectValues;
using testing::kWide;
using testing::TwoParamArena;
constexpr float kTol = 1e-6f;

TEST(Sgd, PlainStepsDecayOnlyKApplyParameters) {
  TwoParamArena t(kWide, kWide);
  t.setValues({1.0f}, {2.0f});
  Sgd sgd({Momentum::kNone, 0.9f, 0.1f});
  t.setGrads({0.4f}, {0.2f});
  sgd.step(t.arena, 0.5f);
  // w = 1 * (1 - 0.5*0.1) - 0.5*0.4 = 0.95 - 0.2 = 0.75
  // b = 2 - 0.5*0.2 = 1.9 (kSkip: no decay)
  expectValues(t.w, {0.75f}, kTol);
  expectValues(t.b, {1.9f}, kTol);
  sgd.step(t.arena, 0.5f);
  // w = 0.75 * 0.95 - 0.2 = 0.7125 - 0.2 = 0.5125;  b = 1.9 - 0.1 = 1.8
  expectValues(t.w, {0.5125f}, kTol);
  expectValues(t.b, {1.8f}, kTol);
  EXPECT_EQ(sgd.stepCount(), 2);
  EXPECT_EQ(t.arena.states().count(Sgd::kMomentumState), 0u);  // no momentum, no state
}

TEST(Sgd, HeavyBallFollowsPyTorch) {
  TwoParamArena t(kWide, 1);
  t.setValues({1.0f}, {0.0f});
  Sgd sgd({Momentum::kHeavyBall, 0.9f, 0.0f});
  const float grads[] = {1.0f, 0.5f, 0.0f};
  // buf1 = 1                 w = 1    - 0.1*1    = 0.9
  // buf2 = 0.9*1 + 0.5 = 1.4 w = 0.9  - 0.1*1.4  = 0.76
  // buf3 = 0.9*1.4 = 1.26    w = 0.76 - 0.1*1.26 = 0.634
  const float expected[] = {0.9f, 0.76f, 0.634f};
  for (int i = 0; i < 3; ++i) {
    t.setGrads({grads[i]}, {0.0f});
    sgd.step(t.arena, 0.1f);
    expectValues(t.w, {expected[i]}, kTol);
  }
  EXPECT_NEAR(t.arena.state(Sgd::kMomentumState)[0], 1.26f, kTol);
}

TEST(Sgd, NesterovFollowsPyTorch) {
  TwoParamArena t(kWide, 1);
  t.setValues({1.0f}, {0.0f});
  Sgd sgd({Momentum::kNesterov, 0.9f, 0.0f});
  const float grads[] = {1.0f, 0.5f, 0.0f};
  // buf1 = 1;    w = 1     - 0.1*(1   + 0.9*1)    = 1     - 0.19   = 0.81
  // buf2 = 1.4;  w = 0.81  - 0.1*(0.5 + 0.9*1.4)  = 0.81  - 0.176  = 0.634
  // buf3 = 1.26; w = 0.634 - 0.1*(0   + 0.9*1.26) = 0.634 - 0.1134 = 0.5206
  const float expected[] = {0.81f, 0.634f, 0.5206f};
  for (int i = 0; i < 3; ++i) {
    t.setGrads({grads[i]}, {0.0f});
    sgd.step(t.arena, 0.1f);
    expectValues(t.w, {expected[i]}, kTol);
  }
}

TEST(Sgd, MomentumWithDecoupledDecaySkipsKSkip) {
  TwoParamArena t(kWide, kWide);
  t.setValues({2.0f}, {2.0f});
  Sgd sgd({Momentum::kHeavyBall, 0.9f, 0.5f});
  t.setGrads({1.0f}, {1.0f});
  sgd.step(t.arena, 0.1f);
  // buf = 1; w = 2*(1 - 0.1*0.5) - 0.1*1 = 1.9 - 0.1 = 1.8; b = 2 - 0.1 = 1.9
  expectValues(t.w, {1.8f}, kTol);
  expectValues(t.b, {1.9f}, kTol);
}

TEST(Sgd, SameBitsForAnyThreadCountAndAlignment) {
  testing::expectSameForThreadsAndAlignment([] { return Sgd({Momentum::kNesterov, 0.9f, 0.1f}); });
}

TEST(Sgd, InvalidOptionsThrow) {
  testing::expectInvalidArgument([] { Sgd({Momentum::kHeavyBall, 1.5f, 0.0f}); },
                                 "sgd: beta = 1.5, expected 0 <= beta < 1");
  testing::expectInvalidArgument([] { Sgd({Momentum::kNone, 0.9f, -1.0f}); },
                                 "sgd: weightDecay = -1, expected a finite value >= 0");
}

TEST(Sgd, StepChecksArenaAndLearningRate) {
  ParameterArena unallocated;
  unallocated.addParameter("w", {1}, Init::zeros());
  Sgd sgd;
  EXPECT_THROW(sgd.step(unallocated, 0.1f), std::logic_error);
  TwoParamArena t(1, 1);
  testing::expectInvalidArgument([&] { sgd.step(t.arena, -0.1f); },
                                 "sgd: learning rate = -0.1, expected a finite value >= 0");
  EXPECT_EQ(sgd.stepCount(), 0);
}

TEST(Sgd, GraphHalvesOfAStepNeedAGpuArena) {
  // stageStep / enqueueUpdate are the CUDA-graph halves of a GPU step; on a cpu
  // arena (and in a build without CUDA) they refuse and leave the count alone.
  Sgd sgd;
  TwoParamArena t(1, 1);
  EXPECT_THROW(sgd.stageStep(t.arena, 0.1f), std::logic_error);
  EXPECT_THROW(sgd.enqueueUpdate(t.arena), std::logic_error);
  EXPECT_EQ(sgd.stepCount(), 0);
}

TEST(Sgd, StepCountCanBeRestored) {
  Sgd sgd;
  sgd.setStepCount(41);
  TwoParamArena t(1, 1);
  sgd.step(t.arena, 0.1f);
  EXPECT_EQ(sgd.stepCount(), 42);
  EXPECT_THROW(sgd.setStepCount(-1), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
