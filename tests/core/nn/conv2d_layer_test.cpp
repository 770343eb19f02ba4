// tests/core/nn/conv2d_layer_test.cpp — Conv2dLayer's parameters (PyTorch init) and output shapes.
#include "core/nn/conv2d_layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

TEST(Conv2dLayer, DeclaresWeightAndUndecayedBiasWithFanInBound) {
  ParameterArena arena;
  Conv2dLayer layer(arena, "conv1", 3, 8, 5, 1, 2);
  ASSERT_EQ(arena.params().size(), 2u);
  EXPECT_EQ(arena.param(0).name, "conv1.weight");
  EXPECT_EQ(arena.param(0).shape, (Shape{8, 3, 5, 5}));
  EXPECT_EQ(arena.param(0).decay, WeightDecay::kApply);
  EXPECT_FLOAT_EQ(arena.param(0).init.scale, 1.0f / std::sqrt(75.0f));
  EXPECT_EQ(arena.param(1).name, "conv1.bias");
  EXPECT_EQ(arena.param(1).shape, (Shape{8}));
  EXPECT_EQ(arena.param(1).decay, WeightDecay::kSkip);
  EXPECT_FLOAT_EQ(arena.param(1).init.scale, 1.0f / std::sqrt(75.0f));
}

struct ConvCase {
  int64_t kernel, stride, padding, side, expectedSide;
};

class Conv2dLayerShape : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dLayerShape, OutputIsBatchByOutChannelsByFlooredSide) {
  const ConvCase c = GetParam();
  ParameterArena arena;
  Conv2dLayer layer(arena, "conv", 2, 4, c.kernel, c.stride, c.padding);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::zeros({3, 2, c.side, c.side})), {});
  EXPECT_EQ(y.shape(), (Shape{3, 4, c.expectedSide, c.expectedSide}));
}

INSTANTIATE_TEST_SUITE_P(Geometries, Conv2dLayerShape,
                         ::testing::Values(ConvCase{3, 1, 1, 8, 8}, ConvCase{3, 1, 0, 8, 6}, ConvCase{3, 2, 0, 8, 3},
                                           ConvCase{3, 2, 1, 7, 4}, ConvCase{1, 1, 0, 5, 5}));

TEST(Conv2dLayer, ForwardAddsTheBiasToEachOutputPlane) {
  ParameterArena arena;
  Conv2dLayer layer(arena, "conv", 1, 2, 1, 1, 0);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  // weight [2, 1, 1, 1] = {2, -1}, bias = {0.5, 1}
  const std::vector<float> v{2, -1, 0.5f, 1};
  std::copy(v.begin(), v.end(), arena.values());
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({1, 1, 1, 2}, {1, 3})), {});
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{2.5f, 6.5f, 0.0f, -2.0f}));
}

TEST(Conv2dLayer, RejectsAnInputWithTheWrongChannelCount) {
  ParameterArena arena;
  Conv2dLayer layer(arena, "conv", 3, 4, 3, 1, 1);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  EXPECT_THROW(layer.forward(tape, Variable(Tensor::zeros({1, 2, 5, 5})), {}), std::invalid_argument);
}

TEST(Conv2dLayer, Describe) {
  ParameterArena arena;
  EXPECT_EQ(Conv2dLayer(arena, "c", 1, 32, 3, 1, 1).describe(), "Conv2d(1->32, k3)");
}

}  // namespace
}  // namespace gaplab
