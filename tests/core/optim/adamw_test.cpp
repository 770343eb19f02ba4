// tests/core/optim/adamw_test.cpp — AdamW steps computed by hand, resume, option checks.
//
// The cases use beta1 = 0.5, beta2 = 0.75 and gradients of magnitude 2, so
// v_hat = 4 exactly at every step and sqrt(v_hat) = 2; eps = 1e-8 changes the
// results by less than the tolerance.
#include "core/optim/adamw.h"

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

using testing::expectValues;
using testing::kWide;
using testing::TwoParamArena;
constexpr float kTol = 1e-6f;

TEST(AdamW, ThreeStepsByHand) {
  TwoParamArena t(kWide, kWide);
  t.setValues({1.0f}, {1.0f});
  AdamW adam({0.5f, 0.75f, 1e-8f, 0.5f});
  const float lr = 0.1f;  // decoupled decay factor 1 - lr*wd = 0.95 (w only)

  t.setGrads({2.0f}, {2.0f});
  adam.step(t.arena, lr);
  // m = 0.5*2 = 1, v = 0.25*4 = 1; m_hat = 1/0.5 = 2, v_hat = 1/0.25 = 4 -> update 2/2 = 1
  // w = 1*0.95 - 0.1*1 = 0.85;  b = 1 - 0.1 = 0.9
  expectValues(t.w, {0.85f}, kTol);
  expectValues(t.b, {0.9f}, kTol);

  t.setGrads({-2.0f}, {-2.0f});
  adam.step(t.arena, lr);
  // m = 0.5*1 + 0.5*(-2) = -0.5, v = 0.75*1 + 0.25*4 = 1.75
  // m_hat = -0.5/(1-0.25) = -2/3, v_hat = 1.75/(1-0.5625) = 4 -> update -1/3
  // w = 0.85*0.95 + 0.1/3 = 0.8075 + 0.0333333 = 0.8408333;  b = 0.9 + 0.0333333 = 0.9333333
  expectValues(t.w, {0.8408333f}, kTol);
  expectValues(t.b, {0.9333333f}, kTol);

  t.setGrads({2.0f}, {2.0f});
  adam.step(t.arena, lr);
  // m = 0.5*(-0.5) + 0.5*2 = 0.75, v = 0.75*1.75 + 1 = 2.3125
  // m_hat = 0.75/(1-0.125) = 6/7, v_hat = 2.3125/(1-0.421875) = 4 -> update 3/7 = 0.4285714
  // w = 0.8408333*0.95 - 0.0428571 = 0.7987917 - 0.0428571 = 0.7559345
  // b = 0.9333333 - 0.0428571 = 0.8904762
  expectValues(t.w, {0.7559345f}, kTol);
  expectValues(t.b, {0.8904762f}, kTol);
  EXPECT_NEAR(t.arena.state(AdamW::kFirstMomentState)[0], 0.75f, kTol);
  EXPECT_NEAR(t.arena.state(AdamW::kSecondMomentState)[0], 2.3125f, kTol);
  EXPECT_EQ(adam.stepCount(), 3);
}

TEST(AdamW, ResumesFromArenaStateAndStepCount) {
  const std::vector<float> grads = {0.3f, -1.2f, 0.7f};
  TwoParamArena straight(2, 1), resumed(2, 1);
  straight.setValues({0.5f, -0.25f}, {0.125f});
  resumed.setValues({0.5f, -0.25f}, {0.125f});
  AdamW a;
  for (float g : grads) {
    straight.setGrads({g, -g}, {2 * g});
    a.step(straight.arena, 0.01f);
  }
  {
    AdamW before;
    resumed.setGrads({grads[0], -grads[0]}, {2 * grads[0]});
    before.step(resumed.arena, 0.01f);
  }
  AdamW after;  // a fresh optimizer: state comes from the arena, t from the checkpoint
  after.setStepCount(1);
  for (std::size_t i = 1; i < grads.size(); ++i) {
    resumed.setGrads({grads[i], -grads[i]}, {2 * grads[i]});
    after.step(resumed.arena, 0.01f);
  }
  EXPECT_EQ(straight.arena.valueBuffer(), resumed.arena.valueBuffer());
  EXPECT_EQ(straight.arena.states(), resumed.arena.states());
}

TEST(AdamW, SameBitsForAnyThreadCountAndAlignment) {
  testing::expectSameForThreadsAndAlignment([] { return AdamW(); });
}

TEST(AdamW, InvalidOptionsThrow) {
  testing::expectInvalidArgument([] { AdamW({1.5f, 0.999f, 1e-8f, 0.0f}); },
                                 "adamw: beta1 = 1.5, expected 0 <= beta1 < 1");
  testing::expectInvalidArgument([] { AdamW({0.9f, 1.0f, 1e-8f, 0.0f}); },
                                 "adamw: beta2 = 1, expected 0 <= beta2 < 1");
  testing::expectInvalidArgument([] { AdamW({0.9f, 0.999f, 0.0f, 0.0f}); },
                                 "adamw: eps = 0, expected a finite value > 0");
  testing::expectInvalidArgument([] { AdamW({0.9f, 0.999f, 1e-8f, -0.5f}); },
                                 "adamw: weightDecay = -0.5, expected a finite value >= 0");
}

}  // namespace
}  // namespace gaplab
