// tests/workloads/weight_distance_test.cpp — ||w_t - w_0|| on a tiny arena with
// hand-computed values, and the size check.
#include "workloads/weight_distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {
namespace {

std::unique_ptr<ParameterArena> tinyArena() {
  auto arena = std::make_unique<ParameterArena>();
  arena->addParameter("w", Shape{2, 2}, Init::uniform(1.0f));
  arena->addParameter("b", Shape{2}, Init::zeros(), WeightDecay::kSkip);
  arena->addBuffer("running_mean", Shape{2}, 0.0f);  // not trainable: never part of the distance
  RngStream rng(5, RngPurpose::kInit);
  arena->allocate(rng);
  return arena;
}

TEST(WeightDistance, ZeroAtInitialisation) {
  auto arena = tinyArena();
  const std::vector<float> w0 = snapshotParameters(*arena);
  ASSERT_EQ(w0.size(), 6u);
  EXPECT_EQ(weightDistance(*arena, w0), 0.0);
}

TEST(WeightDistance, HandComputedValue) {
  auto arena = tinyArena();
  float* v = arena->values();
  for (int i = 0; i < 6; ++i) v[i] = static_cast<float>(i);  // w_0 = (0, 1, 2, 3, 4, 5)
  const std::vector<float> w0 = snapshotParameters(*arena);
  // w_t - w_0 = (3, 0, 0, -4, 0, 12): norm sqrt(9 + 16 + 144) = 13.
  v[0] += 3.0f;
  v[3] -= 4.0f;
  v[5] += 12.0f;
  arena->bufferStorage().data()[0] = 100.0f;  // a buffer change does not count
  EXPECT_DOUBLE_EQ(weightDistance(*arena, w0), 13.0);
  v[4] = 4.0f + 0.5f;
  EXPECT_DOUBLE_EQ(weightDistance(*arena, w0), std::sqrt(169.0 + 0.25));
}

TEST(WeightDistance, ASnapshotOfAnotherSizeIsRefused) {
  auto arena = tinyArena();
  try {
    weightDistance(*arena, std::vector<float>(5, 0.0f));
    ADD_FAILURE() << "accepted 5 initial values for 6 parameters";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("6"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
