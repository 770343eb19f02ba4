// tests/core/nn/layer_norm_layer_test.cpp — LayerNormLayer's undecayed gain and bias, normalisation over the last axis.
#include "core/nn/layer_norm_layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

TEST(LayerNormLayer, DeclaresOnesGainAndZerosBiasWithoutWeightDecay) {
  ParameterArena arena;
  LayerNormLayer layer(arena, "ln1", 6);
  ASSERT_EQ(arena.params().size(), 2u);
  EXPECT_EQ(arena.param(0).name, "ln1.weight");
  EXPECT_EQ(arena.param(0).shape, (Shape{6}));
  EXPECT_EQ(arena.param(0).init.kind, InitKind::kOnes);
  EXPECT_EQ(arena.param(0).decay, WeightDecay::kSkip);
  EXPECT_EQ(arena.param(1).name, "ln1.bias");
  EXPECT_EQ(arena.param(1).init.kind, InitKind::kZeros);
  EXPECT_EQ(arena.param(1).decay, WeightDecay::kSkip);
  EXPECT_EQ(layer.describe(), "LayerNorm(6)");
}

TEST(LayerNormLayer, EachRowHasZeroMeanAndUnitVariance) {
  ParameterArena arena;
  LayerNormLayer layer(arena, "ln", 4);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({2, 4}, {1, 2, 3, 4, 10, 10, 10, 50})), {});
  const std::vector<float> v = y.value().toVector();
  for (int r = 0; r < 2; ++r) {
    double mean = 0.0, var = 0.0;
    for (int j = 0; j < 4; ++j) mean += v[static_cast<std::size_t>(r * 4 + j)] / 4.0;
    for (int j = 0; j < 4; ++j) {
      const double d = v[static_cast<std::size_t>(r * 4 + j)] - mean;
      var += d * d / 4.0;
    }
    EXPECT_NEAR(mean, 0.0, 1e-5) << "row " << r;
    EXPECT_NEAR(var, 1.0, 1e-3) << "row " << r;
  }
  EXPECT_LT(v[0], v[1]);
}

}  // namespace
}  // namespace gaplab
