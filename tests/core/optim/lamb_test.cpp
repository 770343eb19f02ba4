// tests/core/optim/lamb_test.cpp — LAMB steps with per-tensor trust ratios by hand,
// and the same result for any thread count.
#include "core/optim/lamb.h"

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

using testing::expectValues;
using testing::TwoParamArena;
constexpr float kTol = 1e-5f;

TEST(Lamb, TwoStepsByHand) {
  // w (decayed) and b (kSkip); beta1 = 0.5, beta2 = 0.75, |g| = 2 so
  // sqrt(v_hat) = 2 and the Adam direction is m_hat / 2. w repeats the pair
  // [3, 4] kPairs times: both norms grow by sqrt(kPairs), so the trust ratio is
  // that of the single pair written below; b likewise repeats one element.
  constexpr int64_t kPairs = 20;
  TwoParamArena t(2 * kPairs, 19);
  t.setValues({3.0f, 4.0f}, {0.0f});
  Lamb lamb({0.5f, 0.75f, 1e-8f, 0.5f});
  const float lr = 0.1f;

  t.setGrads({2.0f, -2.0f}, {2.0f});
  lamb.step(t.arena, lr);
  // w: m_hat = g, direction = [1, -1]; r = [1, -1] + 0.5*[3, 4] = [2.5, 1]
  //    per pair ||w|| = 5, ||r|| = sqrt(6.25 + 1) = 2.6925824, ratio = 1.8569534
  //    w = [3 - 0.1*1.8569534*2.5, 4 - 0.1*1.8569534*1] = [2.5357617, 3.8143047]
  // b: ||b|| = 0 -> ratio 1; r = 1 (no decay); b = 0 - 0.1*1 = -0.1
  EXPECT_NEAR(lamb.lastTrustRatios()[0], 1.8569534, 1e-6);
  EXPECT_EQ(lamb.lastTrustRatios()[1], 1.0);
  expectValues(t.w, {2.5357617f, 3.8143047f}, kTol);
  expectValues(t.b, {-0.1f}, kTol);

  t.setGrads({-2.0f, -2.0f}, {-2.0f});
  lamb.step(t.arena, lr);
  // w: m = [0.5*1 - 1, 0.5*(-1) - 1] = [-0.5, -1.5]; m_hat = m/0.75 = [-2/3, -2]; direction = [-1/3, -1]
  //    r = [-1/3 + 0.5*2.5357617, -1 + 0.5*3.8143047] = [0.9345475, 0.9071523]
  //    ||w|| = sqrt(2.5357617^2 + 3.8143047^2) = 4.5802846, ||r|| = 1.3024225, ratio = 3.5167425
  //    w = [2.5357617 - 0.1*3.5167425*0.9345475, 3.8143047 - 0.1*3.5167425*0.9071523] = [2.2071054, 3.4952825]
  // b: m = 0.5 - 1 = -0.5, m_hat = -2/3, r = -1/3; ratio = 0.1/(1/3) = 0.3
  //    b = -0.1 - 0.1*0.3*(-1/3) = -0.09
  EXPECT_NEAR(lamb.lastTrustRatios()[0], 3.5167425, 1e-5);
  EXPECT_NEAR(lamb.lastTrustRatios()[1], 0.3, 1e-6);
  expectValues(t.w, {2.2071054f, 3.4952825f}, kTol);
  expectValues(t.b, {-0.09f}, kTol);
}

TEST(Lamb, ZeroDirectionLeavesParameterAndUsesRatioOne) {
  TwoParamArena t(2, 1);
  t.setValues({1.0f, 1.0f}, {1.0f});
  Lamb lamb({0.9f, 0.999f, 1e-6f, 0.0f});
  lamb.step(t.arena, 0.1f);  // zero gradients and no decay: r = 0
  EXPECT_EQ(lamb.lastTrustRatios(), (std::vector<double>{1.0, 1.0}));
  EXPECT_EQ(t.w.value()[0], 1.0f);
  EXPECT_EQ(t.b.value()[0], 1.0f);
}

TEST(Lamb, SameBitsForAnyThreadCountAndAlignment) {
  testing::expectSameForThreadsAndAlignment([] { return Lamb(); });
}

TEST(Lamb, InvalidOptionsThrow) {
  testing::expectInvalidArgument([] { Lamb({0.9f, 0.999f, 1e-6f, -1.0f}); },
                                 "lamb: weightDecay = -1, expected a finite value >= 0");
}

}  // namespace
}  // namespace gaplab
