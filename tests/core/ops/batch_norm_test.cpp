// tests/core/ops/batch_norm_test.cpp — BatchNorm/GhostBatchNorm: statistics, running
// averages, eval mode, fused ReLU, and finite-difference gradients.
#include "core/ops/batch_norm.h"

#include <cmath>

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

struct BnParams {
  ParameterArena arena;
  ParamView gamma, beta;
  BufferView mean, var;
  explicit BnParams(int64_t c, Init gammaInit = Init::ones(), Init betaInit = Init::zeros()) {
    gamma = arena.addParameter("bn.gamma", {c}, gammaInit, WeightDecay::kSkip);
    beta = arena.addParameter("bn.beta", {c}, betaInit, WeightDecay::kSkip);
    mean = arena.addBuffer("bn.running_mean", {c}, 0.0f);
    var = arena.addBuffer("bn.running_var", {c}, 1.0f);
    RngStream rng(4, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

TEST(BatchNorm, NormalisesEachChannelAndUpdatesRunningStatistics) {
  BnParams p(1);
  Tape tape;
  Variable x(Tensor::fromVector({4, 1}, {1, 2, 3, 6}));
  BatchNormOptions o;
  o.eps = 0.0f;
  Variable y = batchNorm(tape, x, p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain);
  // mean 3, biased variance (4+1+0+9)/4 = 3.5
  const float s = 1.0f / std::sqrt(3.5f);
  EXPECT_NEAR(y.value().data()[0], -2 * s, 1e-6);
  EXPECT_NEAR(y.value().data()[3], 3 * s, 1e-6);
  EXPECT_NEAR(p.mean.data()[0], 0.9f * 0 + 0.1f * 3, 1e-6);
  EXPECT_NEAR(p.var.data()[0], 0.9f * 1 + 0.1f * (3.5f * 4 / 3), 1e-6);  // unbiased into running
}

TEST(BatchNorm, GhostBatchesUseTheirOwnStatisticsAndUpdateRunningStatsPerGhost) {
  BnParams p(1);
  Tape tape;
  Variable x(Tensor::fromVector({4, 1}, {0, 2, 10, 14}));
  BatchNormOptions o;
  o.ghostSize = 2;
  o.eps = 0.0f;
  Variable y = batchNorm(tape, x, p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain);
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{-1, 1, -1, 1}));
  // two sequential momentum updates: means 1 then 12
  EXPECT_NEAR(p.mean.data()[0], 0.9f * (0.1f * 1) + 0.1f * 12, 1e-5);
}

TEST(BatchNorm, EvalModeUsesRunningStatistics) {
  BnParams p(2);
  p.mean.data()[0] = 1.0f;
  p.var.data()[0] = 4.0f;
  Tape tape;
  Variable x(Tensor::fromVector({1, 2}, {5, 3}));
  BatchNormOptions o;
  o.eps = 0.0f;
  Variable y = batchNorm(tape, x, p.gamma, p.beta, p.mean, p.var, o, NormMode::kEval);
  EXPECT_FLOAT_EQ(y.value().data()[0], 2.0f);  // (5 - 1) / 2
  EXPECT_FLOAT_EQ(y.value().data()[1], 3.0f);  // (3 - 0) / 1
}

struct BnCase {
  Shape shape;
  int64_t ghost;
  FusedActivation activation;
};

class BatchNormGradient : public ::testing::TestWithParam<BnCase> {};

TEST_P(BatchNormGradient, MatchesFiniteDifferences) {
  const BnCase c = GetParam();
  BnParams p(c.shape[1], Init::uniform(1.0f), Init::uniform(0.5f));
  BatchNormOptions o;
  o.ghostSize = c.ghost;
  o.activation = c.activation;
  testing::GradCheckOptions gc;
  gc.relTol = 3e-2;
  gc.absTol = 5e-3;
  testing::expectGradientsMatch(
      p.arena, {testing::randomTensor(c.shape, 21)},
      [&](Tape& tape, std::vector<Variable>& in) {
        return batchNorm(tape, in[0], p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain);
      },
      gc);
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormGradient,
                         ::testing::Values(BnCase{{6, 3}, 0, FusedActivation::kNone},
                                           BnCase{{6, 3}, 3, FusedActivation::kNone},
                                           BnCase{{8, 3}, 0, FusedActivation::kRelu},
                                           BnCase{{4, 2, 3, 3}, 0, FusedActivation::kNone},
                                           BnCase{{4, 2, 2, 3}, 2, FusedActivation::kNone}));

}  // namespace
}  // namespace gaplab
