// tests/core/nn/batch_norm_layer_test.cpp — BatchNormLayer's parameters, running-stat buffers and train/eval behaviour.
#include "core/nn/batch_norm_layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

void allocate(ParameterArena& arena) {
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
}

TEST(BatchNormLayer, DeclaresGainBiasAndRunningStatisticBuffers) {
  ParameterArena arena;
  BatchNormLayer layer(arena, "bn1", 3, BatchNormOptions{});
  ASSERT_EQ(arena.params().size(), 2u);
  EXPECT_EQ(arena.param(0).name, "bn1.weight");
  EXPECT_EQ(arena.param(0).init.kind, InitKind::kOnes);
  EXPECT_EQ(arena.param(0).decay, WeightDecay::kSkip);
  EXPECT_EQ(arena.param(1).name, "bn1.bias");
  EXPECT_EQ(arena.param(1).init.kind, InitKind::kZeros);
  EXPECT_EQ(arena.param(1).decay, WeightDecay::kSkip);
  ASSERT_EQ(arena.buffers().size(), 2u);
  EXPECT_EQ(arena.buffer(0).name, "bn1.running_mean");
  EXPECT_EQ(arena.buffer(0).shape, (Shape{3}));
  EXPECT_FLOAT_EQ(arena.buffer(0).initialValue, 0.0f);
  EXPECT_EQ(arena.buffer(1).name, "bn1.running_var");
  EXPECT_FLOAT_EQ(arena.buffer(1).initialValue, 1.0f);
}

TEST(BatchNormLayer, EvalModeNormalisesWithTheRunningStatisticsAndLeavesThemAlone) {
  ParameterArena arena;
  BatchNormLayer layer(arena, "bn", 2, BatchNormOptions{});
  allocate(arena);
  float* stats = arena.bufferStorage().data();  // mean [2], then var [2]
  stats[0] = 1.0f;
  stats[1] = 2.0f;
  stats[2] = 4.0f;
  stats[3] = 9.0f;
  Tape tape;
  ForwardContext eval{NormMode::kEval, 0, 0};
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({2, 2}, {3, 5, 1, -1})), eval);
  const std::vector<float> v = y.value().toVector();
  EXPECT_NEAR(v[0], 1.0f, 1e-5f);   // (3 - 1) / 2
  EXPECT_NEAR(v[1], 1.0f, 1e-5f);   // (5 - 2) / 3
  EXPECT_NEAR(v[2], 0.0f, 1e-5f);   // (1 - 1) / 2
  EXPECT_NEAR(v[3], -1.0f, 1e-5f);  // (-1 - 2) / 3
  EXPECT_EQ(std::vector<float>(stats, stats + 4), (std::vector<float>{1, 2, 4, 9}));
  EXPECT_EQ(tape.size(), 0u);
}

TEST(BatchNormLayer, TrainModeUsesBatchStatisticsAndUpdatesRunningOnes) {
  ParameterArena arena;
  BatchNormOptions options;
  options.momentum = 0.5f;
  BatchNormLayer layer(arena, "bn", 1, options);
  allocate(arena);
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({4, 1}, {1, 2, 3, 4})), {});
  // Batch mean 2.5, biased variance 1.25, unbiased 5/3.
  const std::vector<float> v = y.value().toVector();
  EXPECT_NEAR(v[0], -1.5f / std::sqrt(1.25f + 1e-5f), 1e-5f);
  EXPECT_NEAR(v[3], 1.5f / std::sqrt(1.25f + 1e-5f), 1e-5f);
  const float* stats = arena.bufferStorage().data();
  EXPECT_NEAR(stats[0], 0.5f * 0.0f + 0.5f * 2.5f, 1e-6f);
  EXPECT_NEAR(stats[1], 0.5f * 1.0f + 0.5f * (5.0f / 3.0f), 1e-6f);
  EXPECT_EQ(tape.size(), 1u);
}

TEST(BatchNormLayer, FusedReluAndGhostBatchesAreApplied) {
  ParameterArena arena;
  BatchNormOptions options;
  options.ghostSize = 2;
  options.activation = FusedActivation::kRelu;
  BatchNormLayer layer(arena, "bn", 1, options);
  allocate(arena);
  Tape tape;
  // Ghost batches {0, 2} and {10, 20}: each normalises to about [-1, 1], then ReLU.
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({4, 1}, {0, 2, 10, 20})), {});
  const std::vector<float> v = y.value().toVector();
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_NEAR(v[1], 1.0f, 1e-4f);
  EXPECT_EQ(v[2], 0.0f);
  EXPECT_NEAR(v[3], 1.0f, 1e-4f);
}

TEST(BatchNormLayer, DescribeNamesChannelsGhostSizeAndRelu) {
  ParameterArena arena;
  EXPECT_EQ(BatchNormLayer(arena, "a", 16, BatchNormOptions{}).describe(), "BatchNorm(16)");
  BatchNormOptions ghost;
  ghost.ghostSize = 32;
  ghost.activation = FusedActivation::kRelu;
  EXPECT_EQ(BatchNormLayer(arena, "b", 8, ghost).describe(), "GhostBatchNorm(8, ghost=32)+ReLU");
}

}  // namespace
}  // namespace gaplab
