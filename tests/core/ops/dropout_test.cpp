// tests/core/ops/dropout_test.cpp — mask statistics, determinism and finite differences for dropout.
#include "core/ops/dropout.h"

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(Dropout, EvalAndZeroProbabilityReturnTheInput) {
  Variable x(Tensor::fromVector({4}, {1, 2, 3, 4}), RequiresGrad::kYes);
  RngStream rng(1, RngPurpose::kDropout);
  Tape tape;
  Variable e = dropout(tape, x, 0.5f, rng, DropoutMode::kEval);
  Variable z = dropout(tape, x, 0.0f, rng, DropoutMode::kTrain);
  EXPECT_EQ(e.value().data(), x.value().data());
  EXPECT_EQ(z.value().data(), x.value().data());
  EXPECT_EQ(tape.size(), 0u);
}

TEST(Dropout, InvalidProbabilityThrows) {
  Variable x(Tensor::zeros({2}));
  RngStream rng(1, RngPurpose::kDropout);
  Tape tape;
  EXPECT_THROW(dropout(tape, x, 1.0f, rng, DropoutMode::kTrain), std::invalid_argument);
  EXPECT_THROW(dropout(tape, x, -0.1f, rng, DropoutMode::kTrain), std::invalid_argument);
  EXPECT_THROW(dropout(tape, x, 1.5f, rng, DropoutMode::kEval), std::invalid_argument);
}

TEST(Dropout, HandCheckedKeptValuesAndBackward) {
  // p = 0.5: every kept element is exactly doubled, and the gradient uses the same mask.
  Variable x(Tensor::fromVector({8}, {1, 2, 3, 4, 5, 6, 7, 8}), RequiresGrad::kYes);
  RngStream rng(3, RngPurpose::kDropout);
  Tape tape;
  Variable y = dropout(tape, x, 0.5f, rng, DropoutMode::kTrain);
  tape.backward(y, Tensor::full({8}, 1.0f));
  const std::vector<float> yv = y.value().toVector(), dx = x.grad().toVector();
  for (int i = 0; i < 8; ++i) {
    const bool kept = yv[i] != 0.0f;
    if (kept) {
      EXPECT_EQ(yv[i], 2.0f * static_cast<float>(i + 1));
    }
    EXPECT_EQ(dx[i], kept ? 2.0f : 0.0f) << i;
  }
}

TEST(Dropout, SameStreamGivesSameMaskOtherStreamDiffers) {
  Variable x(Tensor::full({256}, 1.0f));
  Tape tape(TapeMode::kInference);
  RngStream a(11, RngPurpose::kDropout, 4), b(11, RngPurpose::kDropout, 4), c(11, RngPurpose::kDropout, 5);
  const std::vector<float> ya = dropout(tape, x, 0.3f, a, DropoutMode::kTrain).value().toVector();
  const std::vector<float> yb = dropout(tape, x, 0.3f, b, DropoutMode::kTrain).value().toVector();
  const std::vector<float> yc = dropout(tape, x, 0.3f, c, DropoutMode::kTrain).value().toVector();
  EXPECT_EQ(ya, yb);
  EXPECT_NE(ya, yc);
}

TEST(Dropout, KeptFractionAndMeanMatchExpectation) {
  const int64_t n = 200000;
  const float p = 0.3f;
  Variable x(Tensor::full({n}, 1.0f));
  RngStream rng(2024, RngPurpose::kDropout);
  Tape tape(TapeMode::kInference);
  const Tensor y = dropout(tape, x, p, rng, DropoutMode::kTrain).value();
  int64_t kept = 0;
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    kept += y.data()[i] != 0.0f;
    sum += y.data()[i];
  }
  // Standard deviations: kept fraction sqrt(p(1-p)/n) ~ 0.001, mean ~ 0.0015.
  EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.005);
  EXPECT_NEAR(sum / n, 1.0, 0.01);
}

TEST(DropoutGradient, MatchesFiniteDifferences) {
  ParameterArena arena;
  // A fresh stream per call: every forward of the check sees the same mask.
  testing::expectGradientsMatch(arena, {testing::randomTensor({3, 4, 5}, 61)},
                                [](Tape& tape, std::vector<Variable>& in) {
                                  RngStream rng(42, RngPurpose::kDropout, 7);
                                  return add(tape, dropout(tape, in[0], 0.4f, rng, DropoutMode::kTrain), in[0]);
                                });
}

}  // namespace
}  // namespace gaplab
