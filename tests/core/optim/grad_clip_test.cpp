// tests/core/optim/grad_clip_test.cpp — global gradient norm and exact clipping.
#include "core/optim/grad_clip.h"

#include <omp.h>

#include <cmath>
#include <limits>

#include "tests/core/optim/optim_test_util.h"

namespace gaplab {
namespace {

using testing::TwoParamArena;

TEST(GradClip, GlobalNormSpansAllParameters) {
  TwoParamArena t(2, 1);
  t.setGrads({3.0f, 4.0f}, {12.0f});
  // sqrt(9 + 16 + 144) = sqrt(169) = 13
  EXPECT_EQ(globalGradNorm(t.arena), 13.0);
}

TEST(GradClip, ScalesByMaxNormOverNormPlusEpsilon) {
  TwoParamArena t(2, 1);
  t.setGrads({3.0f, 4.0f}, {12.0f});
  const double norm = clipGradNorm(t.arena, 6.5);
  EXPECT_EQ(norm, 13.0);  // the norm before clipping
  // coef = 6.5 / (13 + 1e-6), applied as a float to every gradient
  const auto coef = static_cast<float>(6.5 / (13.0 + 1e-6));
  EXPECT_EQ(t.w.grad()[0], 3.0f * coef);
  EXPECT_EQ(t.w.grad()[1], 4.0f * coef);
  EXPECT_EQ(t.b.grad()[0], 12.0f * coef);
  EXPECT_NEAR(globalGradNorm(t.arena), 6.5, 1e-5);
}

TEST(GradClip, LeavesSmallGradientsUntouched) {
  TwoParamArena t(2, 1);
  t.setGrads({3.0f, 4.0f}, {12.0f});
  EXPECT_EQ(clipGradNorm(t.arena, 20.0), 13.0);
  // coef = (13 + 1e-6)/(13 + 1e-6) = 1: not below 1, so nothing changes
  EXPECT_EQ(clipGradNorm(t.arena, 13.0 + 1e-6), 13.0);
  EXPECT_EQ(t.w.grad()[0], 3.0f);
  EXPECT_EQ(t.w.grad()[1], 4.0f);
  EXPECT_EQ(t.b.grad()[0], 12.0f);
}

TEST(GradClip, NormEqualToMaxNormStillScalesAsPyTorch) {
  // torch.nn.utils.clip_grad_norm_ scales whenever maxNorm/(norm + 1e-6) < 1,
  // which includes norm == maxNorm (coef = 13/(13 + 1e-6) = 1 - 7.7e-8).
  TwoParamArena t(2, 1);
  t.setGrads({3.0f, 4.0f}, {12.0f});
  EXPECT_EQ(clipGradNorm(t.arena, 13.0), 13.0);
  const auto coef = static_cast<float>(13.0 / (13.0 + 1e-6));
  EXPECT_EQ(t.w.grad()[0], 3.0f * coef);
  EXPECT_EQ(t.b.grad()[0], 12.0f * coef);
}

TEST(GradClip, NonFiniteNormIsReturnedAndGradientsKept) {
  TwoParamArena t(2, 1);
  t.setGrads({std::numeric_limits<float>::infinity(), 1.0f}, {1.0f});
  EXPECT_TRUE(std::isinf(clipGradNorm(t.arena, 1.0)));
  EXPECT_EQ(t.w.grad()[1], 1.0f);
}

TEST(GradClip, InvalidMaxNormThrows) {
  TwoParamArena t(1, 1);
  testing::expectInvalidArgument([&] { clipGradNorm(t.arena, 0.0); },
                                 "clipGradNorm: maxNorm = 0, expected a finite value > 0");
  EXPECT_THROW(clipGradNorm(t.arena, -1.0), std::invalid_argument);
  EXPECT_THROW(clipGradNorm(t.arena, std::nan("")), std::invalid_argument);
}

TEST(GradClip, NormIsExactAcrossBlocksAndThreadCounts) {
  ParameterArena arena;
  arena.addParameter("w", {100000}, Init::zeros());
  arena.addParameter("b", {1001}, Init::zeros(), WeightDecay::kSkip);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  for (float& g : arena.gradBuffer()) g = 0.5f;
  // 101001 * 0.25 = 25250.25 exactly in double
  EXPECT_EQ(globalGradNorm(arena), std::sqrt(25250.25));

  RngStream noise(2, RngPurpose::kSynthetic);
  for (float& g : arena.gradBuffer()) g = noise.normal();
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const double single = globalGradNorm(arena);
  omp_set_num_threads(3);
  const double three = globalGradNorm(arena);
  omp_set_num_threads(saved);
  EXPECT_EQ(single, three);
}

}  // namespace
}  // namespace gaplab
