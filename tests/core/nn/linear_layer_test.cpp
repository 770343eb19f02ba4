// tests/core/nn/linear_layer_test.cpp — LinearLayer declares [out, in] weights and an undecayed bias, and runs linear.
#include "core/nn/linear_layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

TEST(LinearLayer, DeclaresWeightOutByInAndBiasWithoutWeightDecay) {
  ParameterArena arena;
  LinearLayer layer(arena, "fc1", 3, 2);
  ASSERT_EQ(arena.params().size(), 2u);
  const ParamInfo& w = arena.param(0);
  const ParamInfo& b = arena.param(1);
  EXPECT_EQ(w.name, "fc1.weight");
  EXPECT_EQ(w.shape, (Shape{2, 3}));
  EXPECT_EQ(w.decay, WeightDecay::kApply);
  EXPECT_EQ(w.init.kind, InitKind::kUniform);
  EXPECT_FLOAT_EQ(w.init.scale, 1.0f / std::sqrt(3.0f));
  EXPECT_EQ(b.name, "fc1.bias");
  EXPECT_EQ(b.shape, (Shape{2}));
  EXPECT_EQ(b.decay, WeightDecay::kSkip);
  EXPECT_FLOAT_EQ(b.init.scale, 1.0f / std::sqrt(3.0f));
  EXPECT_EQ(arena.size(), 8);
}

TEST(LinearLayer, WithoutBiasDeclaresOnlyTheWeight) {
  ParameterArena arena;
  LinearLayer layer(arena, "proj", 4, 5, UseBias::kNo);
  ASSERT_EQ(arena.params().size(), 1u);
  EXPECT_EQ(arena.param(0).name, "proj.weight");
  EXPECT_EQ(arena.size(), 20);
}

TEST(LinearLayer, ForwardComputesXWTransposePlusB) {
  ParameterArena arena;
  LinearLayer layer(arena, "fc", 2, 2);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  const std::vector<float> values{1, 2, 3, 4, 0.5f, -0.5f};  // W = [[1,2],[3,4]], b = [0.5, -0.5]
  std::copy(values.begin(), values.end(), arena.values());
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({2, 2}, {1, 1, -1, 2})), {});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{3.5f, 6.5f, 3.5f, 4.5f}));
  EXPECT_EQ(tape.size(), 1u);
}

TEST(LinearLayer, FusedReluClampsNegativeOutputs) {
  ParameterArena arena;
  LinearLayer layer(arena, "fc", 1, 2, UseBias::kNo, FusedActivation::kRelu);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  arena.values()[0] = 1.0f;
  arena.values()[1] = -1.0f;
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({1, 1}, {2})), {});
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{2, 0}));
}

TEST(LinearLayer, ForwardRejectsAWrongInputWidth) {
  ParameterArena arena;
  LinearLayer layer(arena, "fc", 3, 2);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  EXPECT_THROW(layer.forward(tape, Variable(Tensor::zeros({2, 4})), {}), std::invalid_argument);
}

TEST(LinearLayer, DescribeNamesWidthsAndFusedActivation) {
  ParameterArena arena;
  EXPECT_EQ(LinearLayer(arena, "a", 784, 1024).describe(), "Linear(784->1024)");
  EXPECT_EQ(LinearLayer(arena, "b", 3, 2, UseBias::kYes, FusedActivation::kRelu).describe(), "Linear(3->2)+ReLU");
  EXPECT_EQ(LinearLayer(arena, "c", 3, 2, UseBias::kNo, FusedActivation::kGelu).describe(), "Linear(3->2)+GELU");
}

}  // namespace
}  // namespace gaplab
