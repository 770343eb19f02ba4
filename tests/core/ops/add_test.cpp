// tests/core/ops/add_test.cpp — finite differences and hand-computed cases for the residual add.
#include "core/ops/add.h"

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Add, HandComputedForwardAndBackward) {
  Variable a(Tensor::fromVector({2, 2}, {1, 2, 3, 4}), RequiresGrad::kYes);
  Variable b(Tensor::fromVector({2, 2}, {10, 20, 30, -40}), RequiresGrad::kYes);
  Tape tape;
  Variable y = add(tape, a, b);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{11, 22, 33, -36}));
  tape.backward(y, Tensor::fromVector({2, 2}, {1, -2, 3, 0.5f}));
  EXPECT_EQ(a.grad().toVector(), (std::vector<float>{1, -2, 3, 0.5f}));
  EXPECT_EQ(b.grad().toVector(), (std::vector<float>{1, -2, 3, 0.5f}));
}

TEST(Add, SameInputTwiceDoublesTheGradient) {
  Variable x(Tensor::fromVector({3}, {1, 2, 3}), RequiresGrad::kYes);
  Tape tape;
  Variable y = add(tape, x, x);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{2, 4, 6}));
  tape.backward(y, Tensor::fromVector({3}, {1, 2, 3}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{2, 4, 6}));
}

TEST(Add, InputWithoutGradientIsLeftAlone) {
  Variable a(Tensor::fromVector({2}, {1, 2}), RequiresGrad::kYes);
  Variable b(Tensor::fromVector({2}, {3, 4}), RequiresGrad::kNo);
  Tape tape;
  Variable y = add(tape, a, b);
  tape.backward(y, Tensor::fromVector({2}, {5, 6}));
  EXPECT_EQ(a.grad().toVector(), (std::vector<float>{5, 6}));
  EXPECT_FALSE(b.hasGrad());
}

TEST(Add, ShapeMismatchThrowsWithShapes) {
  Tape tape;
  Variable a(Tensor::zeros({2, 3})), b(Tensor::zeros({3, 2}));
  try {
    add(tape, a, b);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 2]"), std::string::npos) << e.what();
  }
}

TEST(AddGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4}, 31), testing::randomTensor({2, 3, 4}, 32)},
                                [](Tape& tape, std::vector<Variable>& in) { return add(tape, in[0], in[1]); });
}

TEST(AddGradient, ChainedAddsAccumulate) {
  ParameterArena arena;
  testing::expectGradientsMatch(arena, {testing::randomTensor({4, 3}, 33), testing::randomTensor({4, 3}, 34)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, add(tape, in[0], in[1]), in[0]);
                                });
}

}  // namespace
}  // namespace gaplab
