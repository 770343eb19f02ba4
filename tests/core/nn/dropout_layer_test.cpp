// tests/core/nn/dropout_layer_test.cpp — DropoutLayer: identity in eval, masks keyed by (seed, step, layer).
#include "core/nn/dropout_layer.h"

#include <gtest/gtest.h>

#include <vector>

namespace gaplab {
namespace {

std::vector<float> run(DropoutLayer& layer, const Variable& x, uint64_t seed, int64_t step,
                       NormMode mode = NormMode::kTrain) {
  Tape tape;
  return layer.forward(tape, x, ForwardContext{mode, seed, step}).value().toVector();
}

Variable ones(int64_t n) { return Variable(Tensor::full({n}, 1.0f), RequiresGrad::kYes); }

TEST(DropoutLayer, EvalModeReturnsTheInputItself) {
  DropoutLayer layer(0.5f, 0);
  Variable x = ones(64);
  Tape tape;
  Variable y = layer.forward(tape, x, ForwardContext{NormMode::kEval, 1, 3});
  EXPECT_EQ(y.value().data(), x.value().data());
  EXPECT_EQ(tape.size(), 0u);
}

TEST(DropoutLayer, ZeroProbabilityIsIdentityInTraining) {
  DropoutLayer layer(0.0f, 0);
  Variable x = ones(8);
  Tape tape;
  EXPECT_EQ(layer.forward(tape, x, ForwardContext{NormMode::kTrain, 1, 0}).value().data(), x.value().data());
}

TEST(DropoutLayer, TrainingZeroesOrRescalesEveryElement) {
  DropoutLayer layer(0.25f, 0);
  const std::vector<float> y = run(layer, ones(4000), 9, 0);
  int dropped = 0;
  for (float v : y) {
    if (v == 0.0f) ++dropped;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
  }
  EXPECT_NEAR(dropped / 4000.0, 0.25, 0.03);
}

TEST(DropoutLayer, SameSeedAndStepGiveTheSameMask) {
  DropoutLayer a(0.5f, 2), b(0.5f, 2);
  Variable x = ones(256);
  EXPECT_EQ(run(a, x, 42, 10), run(b, x, 42, 10));
}

TEST(DropoutLayer, DifferentStepSeedOrLayerGiveDifferentMasks) {
  DropoutLayer layer(0.5f, 0), other(0.5f, 1);
  Variable x = ones(256);
  const std::vector<float> base = run(layer, x, 42, 10);
  EXPECT_NE(base, run(layer, x, 42, 11));
  EXPECT_NE(base, run(layer, x, 43, 10));
  EXPECT_NE(base, run(other, x, 42, 10));
}

TEST(DropoutLayer, DescribeShowsTheProbability) {
  EXPECT_EQ(DropoutLayer(0.5f, 0).describe(), "Dropout(0.500000)");
}

}  // namespace
}  // namespace gaplab
