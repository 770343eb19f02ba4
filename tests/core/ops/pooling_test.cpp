// tests/core/ops/pooling_test.cpp — hand cases, geometry errors and finite differences for pooling.
#include "core/ops/pooling.h"

#include <numeric>

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

Tensor iota(const Shape& shape, float start) {
  std::vector<float> v(static_cast<std::size_t>(shapeNumel(shape)));
  std::iota(v.begin(), v.end(), start);
  return Tensor::fromVector(shape, v);
}

TEST(MaxPool2d, HandComputedForwardAndBackward) {
  Variable x(iota({1, 1, 4, 4}, 0.0f), RequiresGrad::kYes);
  Tape tape;
  Variable y = maxPool2d(tape, x, 2, 2);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{5, 7, 13, 15}));
  tape.backward(y, Tensor::fromVector({1, 1, 2, 2}, {1, 2, 3, 4}));
  std::vector<float> expected(16, 0.0f);
  expected[5] = 1;
  expected[7] = 2;
  expected[13] = 3;
  expected[15] = 4;
  EXPECT_EQ(x.grad().toVector(), expected);
}

TEST(MaxPool2d, OverlappingPaddedWindowsRouteToEachArgmax) {
  Variable x(iota({1, 1, 3, 3}, 1.0f), RequiresGrad::kYes);
  Tape tape;
  Variable y = maxPool2d(tape, x, 3, 1, 1);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{5, 6, 6, 8, 9, 9, 8, 9, 9}));
  tape.backward(y, Tensor::full({1, 1, 3, 3}, 1.0f));
  // Each pixel collects one unit per window it wins.
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 2, 4}));
}

TEST(MaxPool2d, TiesPickTheFirstElement) {
  Variable x(Tensor::full({1, 1, 2, 2}, 3.0f), RequiresGrad::kYes);
  Tape tape;
  Variable y = maxPool2d(tape, x, 2, 2);
  tape.backward(y, Tensor::fromVector({1, 1, 1, 1}, {1}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{1, 0, 0, 0}));
}

TEST(AvgPool2d, HandComputedForwardAndBackward) {
  Variable x(iota({1, 1, 4, 4}, 0.0f), RequiresGrad::kYes);
  Tape tape;
  Variable y = avgPool2d(tape, x, 2, 2);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
  tape.backward(y, Tensor::fromVector({1, 1, 2, 2}, {4, 8, 12, 16}));
  EXPECT_EQ(x.grad().toVector(),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(AvgPool2d, PaddingCountsInTheDivisor) {
  Variable x(Tensor::fromVector({1, 1, 2, 2}, {1, 2, 3, 4}), RequiresGrad::kYes);
  Tape tape;
  Variable y = avgPool2d(tape, x, 2, 1, 1);
  // count_include_pad: every window divides by kernel^2 = 4.
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{0.25f, 0.75f, 0.5f, 1.0f, 2.5f, 1.5f, 0.75f, 1.75f, 1.0f}));
  tape.backward(y, Tensor::full({1, 1, 3, 3}, 4.0f));
  // Each pixel lies in four of the nine windows.
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{4, 4, 4, 4}));
}

TEST(GlobalAvgPool2d, HandComputedForwardAndBackward) {
  Variable x(Tensor::fromVector({1, 2, 1, 2}, {1, 2, 3, 5}), RequiresGrad::kYes);
  Tape tape;
  Variable y = globalAvgPool2d(tape, x);
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{1.5f, 4.0f}));
  tape.backward(y, Tensor::fromVector({1, 2}, {2, 4}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{1, 1, 2, 2}));
}

TEST(Pooling, InvalidGeometryThrowsWithShapes) {
  Tape tape;
  Variable x(Tensor::zeros({1, 2, 4, 4}));
  try {
    maxPool2d(tape, x, 5, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 2, 4, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(avgPool2d(tape, x, 5, 1), std::invalid_argument);
  EXPECT_THROW(maxPool2d(tape, x, 2, 2, 2), std::invalid_argument);  // padding > kernel / 2
  EXPECT_THROW(avgPool2d(tape, x, 2, 0), std::invalid_argument);
  EXPECT_THROW(maxPool2d(tape, x, 0, 1), std::invalid_argument);
  EXPECT_THROW(maxPool2d(tape, Variable(Tensor::zeros({2, 4, 4})), 2, 2), std::invalid_argument);
  EXPECT_THROW(globalAvgPool2d(tape, Variable(Tensor::zeros({2, 4}))), std::invalid_argument);
}

struct PoolCase {
  int64_t kernel, stride, padding;
};

class PoolingGradient : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolingGradient, MaxMatchesFiniteDifferences) {
  const PoolCase c = GetParam();
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 6, 5}, 81)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return maxPool2d(tape, in[0], c.kernel, c.stride, c.padding);
                                });
}

TEST_P(PoolingGradient, AvgMatchesFiniteDifferences) {
  const PoolCase c = GetParam();
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 6, 5}, 82)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return avgPool2d(tape, in[0], c.kernel, c.stride, c.padding);
                                });
}

INSTANTIATE_TEST_SUITE_P(Geometries, PoolingGradient,
                         ::testing::Values(PoolCase{2, 2, 0}, PoolCase{3, 2, 1}, PoolCase{3, 1, 1}, PoolCase{2, 1, 1}));

TEST(GlobalAvgPool2dGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4, 5}, 83)},
                                [](Tape& tape, std::vector<Variable>& in) { return globalAvgPool2d(tape, in[0]); });
}

// Two pooling ops read the same input: the second backward accumulates into dx.
TEST(PoolingSharedInputGradient, Accumulates) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({1, 2, 4, 4}, 84)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  Variable m = maxPool2d(tape, in[0], 2, 2);
                                  Variable a = avgPool2d(tape, in[0], 2, 2);
                                  Variable g = globalAvgPool2d(tape, add(tape, m, a));
                                  return add(tape, g, globalAvgPool2d(tape, in[0]));
                                });
}

}  // namespace
}  // namespace gaplab
