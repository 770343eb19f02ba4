// tests/core/ops/reshape_test.cpp — storage sharing, -1 inference and finite differences for reshape.
#include "core/ops/reshape.h"

#include "core/ops/activation.h"
#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Reshape, SharesStorageAndRestoresGradientShape) {
  Variable x(Tensor::fromVector({2, 3, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), RequiresGrad::kYes);
  Tape tape;
  Variable y = reshape(tape, x, {2, -1});
  EXPECT_EQ(y.shape(), (Shape{2, 6}));
  EXPECT_EQ(y.value().data(), x.value().data());
  const std::vector<float> dy = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  tape.backward(y, Tensor::fromVector({2, 6}, dy));
  EXPECT_EQ(x.grad().shape(), (Shape{2, 3, 1, 2}));
  EXPECT_EQ(x.grad().toVector(), dy);
}

TEST(Reshape, InvalidShapesThrowWithShapes) {
  Tape tape;
  Variable x(Tensor::zeros({2, 3}));
  try {
    reshape(tape, x, {4, 2});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(reshape(tape, x, {-1, -1}), std::invalid_argument);
  EXPECT_THROW(reshape(tape, x, {4, -1}), std::invalid_argument);
  EXPECT_THROW(reshape(tape, x, {-2, -3}), std::invalid_argument);
}

TEST(ReshapeGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4}, 41)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  return gelu(tape, reshape(tape, in[0], {6, 4}));
                                });
}

// Two views of one input: the second reshape backward accumulates.
TEST(ReshapeGradient, TwoViewsAccumulate) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 2, 3}, 42)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  Variable a = reshape(tape, in[0], {-1});
                                  Variable b = relu(tape, reshape(tape, in[0], {12}));
                                  return add(tape, a, b);
                                });
}

}  // namespace
}  // namespace gaplab
