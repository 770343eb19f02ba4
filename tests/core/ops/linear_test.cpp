// tests/core/ops/linear_test.cpp — finite differences and a hand-computed case for linear.
#include "core/ops/linear.h"

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Linear, HandComputedForwardAndBackward) {
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {2, 3}, Init::zeros());
  ParamView b = arena.addParameter("b", {2}, Init::zeros(), WeightDecay::kSkip);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  const float wv[] = {1, 2, 3, -1, 0, 1};
  std::copy(wv, wv + 6, w.value());
  b.value()[0] = 0.5f;
  b.value()[1] = -0.5f;
  Variable x(Tensor::fromVector({1, 3}, {1, 1, 2}), RequiresGrad::kYes);
  Tape tape;
  Variable y = linear(tape, x, w, b);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{9.5f, 0.5f}));
  tape.backward(y, Tensor::fromVector({1, 2}, {1, 2}));
  // dx = dy W = [1*1 + 2*-1, 1*2 + 0, 1*3 + 2*1]
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{-1, 2, 5}));
  // dW = dy^T x, db = dy
  EXPECT_EQ(std::vector<float>(w.grad(), w.grad() + 6), (std::vector<float>{1, 1, 2, 2, 2, 4}));
  EXPECT_EQ(std::vector<float>(b.grad(), b.grad() + 2), (std::vector<float>{1, 2}));
}

TEST(Linear, ParameterGradientsAccumulateAcrossCalls) {
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {1, 1}, Init::ones());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  for (int i = 0; i < 2; ++i) {
    Tape tape;
    Variable x(Tensor::fromVector({1, 1}, {3}), RequiresGrad::kNo);
    Variable y = linear(tape, x, w, ParamView());
    tape.backward(y, Tensor::fromVector({1, 1}, {1}));
  }
  EXPECT_FLOAT_EQ(w.grad()[0], 6.0f);
}

class LinearGradient : public ::testing::TestWithParam<FusedActivation> {};

TEST_P(LinearGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {5, 4}, Init::fanIn(4));
  ParamView b = arena.addParameter("b", {5}, Init::fanIn(4), WeightDecay::kSkip);
  RngStream rng(3, RngPurpose::kInit);
  arena.allocate(rng);
  const FusedActivation act = GetParam();
  testing::expectGradientsMatch(arena, {testing::randomTensor({2, 3, 4}, 11)},
                                [&](Tape& tape, std::vector<Variable>& in) { return linear(tape, in[0], w, b, act); });
}

INSTANTIATE_TEST_SUITE_P(Activations, LinearGradient,
                         ::testing::Values(FusedActivation::kNone, FusedActivation::kRelu, FusedActivation::kGelu));

}  // namespace
}  // namespace gaplab
