// tests/core/ops/swiglu_test.cpp — hand-computed values, finite differences and shape errors for swiglu.
#include "core/ops/swiglu.h"

#include <cmath>
#include <string>

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Swiglu, HandComputedForwardAndBackward) {
  // One row, H = 3: a = [0, 1, -2], b = [5, 2, 3].
  Variable x(Tensor::fromVector({1, 6}, {0, 1, -2, 5, 2, 3}), RequiresGrad::kYes);
  Tape tape;
  Variable y = swiglu(tape, x);
  ASSERT_EQ(y.shape(), (Shape{1, 3}));
  const double s1 = 1.0 / (1.0 + std::exp(-1.0)), sm2 = 1.0 / (1.0 + std::exp(2.0));
  const std::vector<float> yv = y.value().toVector();
  EXPECT_EQ(yv[0], 0.0f);                        // silu(0) = 0
  EXPECT_NEAR(yv[1], 1.0 * s1 * 2.0, 1e-6);      // silu(1) * 2
  EXPECT_NEAR(yv[2], -2.0 * sm2 * 3.0, 1e-6);    // silu(-2) * 3
  tape.backward(y, Tensor::fromVector({1, 3}, {1, 2, -1}));
  const std::vector<float> g = x.grad().toVector();
  // da = dy * b * s * (1 + a (1 - s)); at a = 0: s = 1/2, da = dy * b / 2.
  EXPECT_NEAR(g[0], 1.0 * 5.0 * 0.5, 1e-6);
  EXPECT_NEAR(g[1], 2.0 * 2.0 * s1 * (1.0 + (1.0 - s1)), 1e-6);
  EXPECT_NEAR(g[2], -1.0 * 3.0 * sm2 * (1.0 - 2.0 * (1.0 - sm2)), 1e-6);
  // db = dy * silu(a).
  EXPECT_EQ(g[3], 0.0f);
  EXPECT_NEAR(g[4], 2.0 * s1, 1e-6);
  EXPECT_NEAR(g[5], -1.0 * -2.0 * sm2, 1e-6);
}

TEST(Swiglu, KeepsLeadingAxesAndHalvesTheLast) {
  Tape tape(TapeMode::kInference);
  const Tensor x = testing::randomTensor({2, 3, 8}, 3);
  const Variable y = swiglu(tape, Variable(x));
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t j = 0; j < 4; ++j) {
      const double a = x.data()[r * 8 + j], b = x.data()[r * 8 + 4 + j];
      EXPECT_NEAR(y.value().data()[r * 4 + j], a / (1.0 + std::exp(-a)) * b, 1e-6) << r << ", " << j;
    }
  EXPECT_EQ(tape.size(), 0u);
}

TEST(SwigluGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 10}, 24, 2.0f)},
                                [](Tape& tape, std::vector<Variable>& in) { return swiglu(tape, in[0]); });
}

// x feeds two swiglu calls, so the second backward runs in accumulate mode.
TEST(SwigluGradient, AccumulatesIntoSharedInput) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({3, 4}, 25)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, swiglu(tape, in[0]), swiglu(tape, in[0]));
                                });
}

TEST(Swiglu, ShapeErrorsNameTheProblem) {
  Tape tape;
  try {
    swiglu(tape, Variable(Tensor::zeros({2, 5})));
    FAIL() << "odd last axis accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("odd"), std::string::npos) << e.what();
  }
  EXPECT_THROW(swiglu(tape, Variable(Tensor::zeros({}))), std::invalid_argument);
  EXPECT_THROW(swiglu(tape, Variable()), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
