// tests/core/optim/nadamw_test.cpp — NAdamW (AlgoPerf) steps computed by hand.
//
// Same setting as the AdamW test (beta1 = 0.5, beta2 = 0.75, |g| = 2, so
// sqrt(v_hat) = 2 at every step); the update direction is
// u = (b1*m + (1-b1)*g) / (1-b1^t) / 2 and p -= lr*(u + wd*p) with wd on w only.
#include "core/optim/nadamw.h"

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

using testing::expectValues;
using testing::kWide;
using testing::TwoParamArena;
constexpr float kTol = 1e-6f;

TEST(NAdamW, ThreeStepsByHand) {
  TwoParamArena t(kWide, kWide);
  t.setValues({1.0f}, {1.0f});
  NAdamW opt({0.5f, 0.75f, 1e-8f, 0.5f});
  const float lr = 0.1f;

  t.setGrads({2.0f}, {2.0f});
  opt.step(t.arena, lr);
  // m = 1, v = 1; look-ahead 0.5*1 + 0.5*2 = 1.5; /(1-0.5) = 3; /2 -> u = 1.5
  // w = 1 - 0.1*(1.5 + 0.5*1) = 0.8;  b = 1 - 0.1*1.5 = 0.85
  expectValues(t.w, {0.8f}, kTol);
  expectValues(t.b, {0.85f}, kTol);

  t.setGrads({-2.0f}, {-2.0f});
  opt.step(t.arena, lr);
  // m = 0.5*1 + 0.5*(-2) = -0.5; look-ahead 0.5*(-0.5) + 0.5*(-2) = -1.25; /0.75 = -5/3; /2 -> u = -5/6
  // w = 0.8 - 0.1*(-0.8333333 + 0.5*0.8) = 0.8 + 0.0433333 = 0.8433333
  // b = 0.85 + 0.0833333 = 0.9333333
  expectValues(t.w, {0.8433333f}, kTol);
  expectValues(t.b, {0.9333333f}, kTol);

  t.setGrads({2.0f}, {2.0f});
  opt.step(t.arena, lr);
  // m = 0.5*(-0.5) + 0.5*2 = 0.75; look-ahead 0.375 + 1 = 1.375; /0.875 = 11/7; /2 -> u = 11/14 = 0.7857143
  // w = 0.8433333 - 0.1*(0.7857143 + 0.5*0.8433333) = 0.8433333 - 0.1207381 = 0.7225952
  // b = 0.9333333 - 0.0785714 = 0.8547619
  expectValues(t.w, {0.7225952f}, kTol);
  expectValues(t.b, {0.8547619f}, kTol);
  // The stored moment is the plain EMA, not the look-ahead.
  EXPECT_NEAR(t.arena.state(NAdamW::kFirstMomentState)[0], 0.75f, kTol);
  EXPECT_EQ(opt.stepCount(), 3);
}

TEST(NAdamW, SameBitsForAnyThreadCountAndAlignment) {
  testing::expectSameForThreadsAndAlignment([] { return NAdamW(); });
}

TEST(NAdamW, InvalidOptionsThrow) {
  testing::expectInvalidArgument([] { NAdamW({-0.1f, 0.999f, 1e-8f, 0.0f}); },
                                 "nadamw: beta1 = -0.1, expected 0 <= beta1 < 1");
  testing::expectInvalidArgument([] { NAdamW({0.9f, 0.999f, -1e-8f, 0.0f}); },
                                 "nadamw: eps = -1e-08, expected a finite value > 0");
}

}  // namespace
}  // namespace gaplab
