// tests/core/nn/flatten_layer_test.cpp — FlattenLayer keeps the batch axis and merges the rest.
#include "core/nn/flatten_layer.h"

#include <gtest/gtest.h>

#include <vector>

namespace gaplab {
namespace {

TEST(FlattenLayer, MergesEveryAxisAfterTheFirst) {
  FlattenLayer layer;
  Tape tape;
  std::vector<float> values(2 * 3 * 4 * 5);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  Variable x(Tensor::fromVector({2, 3, 4, 5}, values));
  Variable y = layer.forward(tape, x, {});
  EXPECT_EQ(y.shape(), (Shape{2, 60}));
  EXPECT_EQ(y.value().toVector(), values);  // row-major order unchanged
}

TEST(FlattenLayer, LeavesAMatrixAsItIs) {
  FlattenLayer layer;
  Tape tape;
  EXPECT_EQ(layer.forward(tape, Variable(Tensor::zeros({7, 3})), {}).shape(), (Shape{7, 3}));
  EXPECT_EQ(layer.forward(tape, Variable(Tensor::zeros({4})), {}).shape(), (Shape{4, 1}));
}

TEST(FlattenLayer, EmptyBatchFlattensToZeroByZero) {
  FlattenLayer layer;
  Tape tape;
  EXPECT_EQ(layer.forward(tape, Variable(Tensor::zeros({0, 3, 2})), {}).shape(), (Shape{0, 0}));
}

TEST(FlattenLayer, GradientFlowsBackInTheInputShape) {
  FlattenLayer layer;
  Tape tape;
  Variable x(Tensor::zeros({2, 1, 2}), RequiresGrad::kYes);
  Variable y = layer.forward(tape, x, {});
  tape.backward(y, Tensor::fromVector({2, 2}, {1, 2, 3, 4}));
  EXPECT_EQ(x.grad().shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{1, 2, 3, 4}));
}

TEST(FlattenLayer, Describe) { EXPECT_EQ(FlattenLayer().describe(), "Flatten"); }

}  // namespace
}  // namespace gaplab
