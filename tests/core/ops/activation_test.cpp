// tests/core/ops/activation_test.cpp — finite differences and hand-computed cases for relu and gelu.
#include "core/ops/activation.h"

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Relu, HandComputedForwardAndBackward) {
  Variable x(Tensor::fromVector({2, 2}, {-1.0f, 0.0f, 2.0f, -3.5f}), RequiresGrad::kYes);
  Tape tape;
  Variable y = relu(tape, x);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{0, 0, 2, 0}));
  tape.backward(y, Tensor::fromVector({2, 2}, {1, 2, 3, 4}));
  // The gradient passes only where x > 0 (zero at x == 0, as PyTorch).
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{0, 0, 3, 0}));
}

TEST(Gelu, HandComputedForwardAndBackward) {
  Variable x(Tensor::fromVector({3}, {0.0f, 1.0f, -1.0f}), RequiresGrad::kYes);
  Tape tape;
  Variable y = gelu(tape, x);
  // gelu(1) = Phi(1) = 0.841344746, gelu(-1) = -Phi(-1) = -0.158655254
  const std::vector<float> yv = y.value().toVector();
  EXPECT_FLOAT_EQ(yv[0], 0.0f);
  EXPECT_NEAR(yv[1], 0.841344746f, 1e-6f);
  EXPECT_NEAR(yv[2], -0.158655254f, 1e-6f);
  tape.backward(y, Tensor::fromVector({3}, {1, 1, 2}));
  // gelu'(x) = Phi(x) + x phi(x): gelu'(0) = 0.5, gelu'(1) = 0.841345 + 0.241971, gelu'(-1) = 0.158655 - 0.241971
  const std::vector<float> dx = x.grad().toVector();
  EXPECT_NEAR(dx[0], 0.5f, 1e-6f);
  EXPECT_NEAR(dx[1], 1.083315471f, 1e-6f);
  EXPECT_NEAR(dx[2], 2.0f * -0.083315471f, 1e-6f);
}

TEST(Activation, InferenceRecordsNothing) {
  Tape tape(TapeMode::kInference);
  Variable x(Tensor::fromVector({2}, {1, -1}));
  Variable y = gelu(tape, relu(tape, x));
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_FALSE(y.requiresGrad());
}

TEST(Activation, UndefinedInputThrows) {
  Tape tape;
  EXPECT_THROW(relu(tape, Variable()), std::invalid_argument);
  EXPECT_THROW(gelu(tape, Variable()), std::invalid_argument);
}

TEST(ReluGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4}, 21)},
                                [](Tape& tape, std::vector<Variable>& in) { return relu(tape, in[0]); });
}

TEST(GeluGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4}, 22, 2.0f)},
                                [](Tape& tape, std::vector<Variable>& in) { return gelu(tape, in[0]); });
}

// x feeds both the activation and the skip path, so the activation's backward
// runs in accumulate mode (the add wrote dx first).
TEST(ActivationGradient, AccumulatesIntoSharedInput) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({3, 5}, 23)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, gelu(tape, relu(tape, in[0])), in[0]);
                                });
}

}  // namespace
}  // namespace gaplab
