// tests/core/ops/layer_norm_test.cpp — finite differences and hand-computed cases for LayerNorm and RMSNorm.
#include "core/ops/layer_norm.h"

#include <cmath>

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

struct NormParams {
  ParameterArena arena;
  ParamView gamma, beta;
  explicit NormParams(int64_t d, Init gammaInit = Init::normal(1.0f), Init betaInit = Init::normal(1.0f)) {
    gamma = arena.addParameter("gamma", {d}, gammaInit, WeightDecay::kSkip);
    beta = arena.addParameter("beta", {d}, betaInit, WeightDecay::kSkip);
    RngStream rng(7, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

TEST(LayerNorm, HandComputedForwardAndBackward) {
  NormParams p(2, Init::zeros(), Init::zeros());
  p.gamma.value()[0] = 2.0f;
  p.gamma.value()[1] = 3.0f;
  p.beta.value()[0] = 0.5f;
  p.beta.value()[1] = -0.5f;
  // Row [1, 3]: mean 2, variance 1, x̂ = [-1, 1]; with eps = 0, y = x̂ * gamma + beta.
  Variable x(Tensor::fromVector({1, 2}, {1, 3}), RequiresGrad::kYes);
  Tape tape;
  Variable y = layerNorm(tape, x, p.gamma, p.beta, 0.0f);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{-1.5f, 2.5f}));
  tape.backward(y, Tensor::fromVector({1, 2}, {1, 1}));
  // dgamma = dy * x̂, dbeta = dy. g = dy * gamma = [2, 3], mean(g) = 2.5, mean(g x̂) = 0.5:
  // dx = rstd (g - 2.5 - x̂ 0.5) = [2 - 2.5 + 0.5, 3 - 2.5 - 0.5] = [0, 0]
  EXPECT_EQ(std::vector<float>(p.gamma.grad(), p.gamma.grad() + 2), (std::vector<float>{-1, 1}));
  EXPECT_EQ(std::vector<float>(p.beta.grad(), p.beta.grad() + 2), (std::vector<float>{1, 1}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{0, 0}));
}

TEST(LayerNorm, RowsAreNormalisedIndependently) {
  NormParams p(4, Init::ones(), Init::zeros());
  Variable x(Tensor::fromVector({2, 4}, {1, 2, 3, 4, 100, 300, 200, 400}));
  Tape tape(TapeMode::kInference);
  const std::vector<float> y = layerNorm(tape, x, p.gamma, p.beta).value().toVector();
  // Row 0: mean 2.5, variance 1.25.
  const float s = 1.0f / std::sqrt(1.25f + 1e-5f);
  EXPECT_NEAR(y[0], -1.5f * s, 1e-6f);
  EXPECT_NEAR(y[3], 1.5f * s, 1e-6f);
  // Each row has mean 0 and variance ~1.
  for (int r = 0; r < 2; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 4; ++j) mean += y[r * 4 + j] / 4.0;
    for (int j = 0; j < 4; ++j) var += (y[r * 4 + j] - mean) * (y[r * 4 + j] - mean) / 4.0;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var, 1.0, 1e-4);
  }
  EXPECT_EQ(tape.size(), 0u);
}

TEST(LayerNorm, ShapeErrorsThrowWithShapes) {
  NormParams p(3);
  Tape tape;
  Variable x(Tensor::zeros({2, 4}));
  try {
    layerNorm(tape, x, p.gamma, p.beta);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 4]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rmsNorm(tape, x, p.gamma), std::invalid_argument);
  EXPECT_THROW(layerNorm(tape, x, ParamView(), ParamView()), std::invalid_argument);
}

TEST(RmsNorm, HandComputedForward) {
  NormParams p(2, Init::ones(), Init::zeros());
  p.gamma.value()[1] = 2.0f;
  // Row [3, 4]: mean(x^2) = 12.5, y = x / sqrt(12.5) * gamma.
  Variable x(Tensor::fromVector({1, 2}, {3, 4}));
  Tape tape;
  const std::vector<float> y = rmsNorm(tape, x, p.gamma, 0.0f).value().toVector();
  EXPECT_NEAR(y[0], 0.848528137f, 1e-6f);
  EXPECT_NEAR(y[1], 2.0f * 1.131370850f, 1e-6f);
}

TEST(LayerNormGradient, MatchesFiniteDifferences) {
  NormParams p(5);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({2, 3, 5}, 51)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return layerNorm(tape, in[0], p.gamma, p.beta);
                                });
}

TEST(LayerNormGradient, WithoutBetaAndAccumulating) {
  NormParams p(7);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({3, 7}, 52, 3.0f)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, layerNorm(tape, in[0], p.gamma, ParamView()), in[0]);
                                });
}

TEST(RmsNormGradient, MatchesFiniteDifferences) {
  NormParams p(6);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({4, 6}, 53)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, rmsNorm(tape, in[0], p.gamma), in[0]);
                                });
}

// Long rows exercise the eight-lane reductions' main loop and tail together.
TEST(LayerNormGradient, LongRows) {
  NormParams p(37);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({2, 37}, 54)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return layerNorm(tape, in[0], p.gamma, p.beta);
                                });
}

}  // namespace
}  // namespace gaplab
