// tests/core/nn/pooling_layer_test.cpp — PoolingLayer dispatches to max, average and global pooling.
#include "core/nn/pooling_layer.h"

#include <gtest/gtest.h>

#include <vector>

namespace gaplab {
namespace {

// One 4x4 plane holding 0..15 row by row.
Variable ramp() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i);
  return Variable(Tensor::fromVector({1, 1, 4, 4}, v));
}

TEST(PoolingLayer, MaxPoolHalvesTheSideAndTakesWindowMaxima) {
  PoolingLayer layer(PoolKind::kMax);
  Tape tape;
  Variable y = layer.forward(tape, ramp(), {});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{5, 7, 13, 15}));
}

TEST(PoolingLayer, AveragePoolTakesWindowMeans) {
  PoolingLayer layer(PoolKind::kAverage);
  Tape tape;
  Variable y = layer.forward(tape, ramp(), {});
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
}

TEST(PoolingLayer, GlobalAveragePoolGivesOneValuePerChannel) {
  PoolingLayer layer(PoolKind::kGlobalAverage);
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::full({3, 2, 5, 5}, 2.0f)), {});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  for (float v : y.value().toVector()) EXPECT_FLOAT_EQ(v, 2.0f);
}

TEST(PoolingLayer, KernelStrideAndPaddingShapeTheOutput) {
  Tape tape;
  Variable x(Tensor::zeros({2, 3, 7, 7}));
  EXPECT_EQ(PoolingLayer(PoolKind::kMax, 3, 2, 1).forward(tape, x, {}).shape(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(PoolingLayer(PoolKind::kMax, 2, 2, 0).forward(tape, x, {}).shape(), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(PoolingLayer(PoolKind::kAverage, 3, 1, 0).forward(tape, x, {}).shape(), (Shape{2, 3, 5, 5}));
}

TEST(PoolingLayer, InvalidGeometryThrows) {
  Tape tape;
  Variable x(Tensor::zeros({1, 1, 4, 4}));
  EXPECT_THROW(PoolingLayer(PoolKind::kMax, 2, 2, 2).forward(tape, x, {}), std::invalid_argument);
  EXPECT_THROW(PoolingLayer(PoolKind::kMax, 5, 1, 0).forward(tape, x, {}), std::invalid_argument);
}

TEST(PoolingLayer, Describe) {
  EXPECT_EQ(PoolingLayer(PoolKind::kMax, 2).describe(), "MaxPool(2)");
  EXPECT_EQ(PoolingLayer(PoolKind::kAverage, 3).describe(), "AvgPool(3)");
  EXPECT_EQ(PoolingLayer(PoolKind::kGlobalAverage).describe(), "GlobalAvgPool");
}

}  // namespace
}  // namespace gaplab
