// tests/core/ops/cross_entropy_test.cpp — loss values, smoothing, stats and gradients.
#include "core/ops/cross_entropy.h"

#include <cmath>

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

TEST(SoftmaxCrossEntropy, HandComputedLossAndStats) {
  Tape tape;
  Variable z(Tensor::fromVector({2, 2}, {0, 0, 2, 0}), RequiresGrad::kYes);
  const std::vector<int32_t> labels{1, 0};
  CrossEntropyStats stats;
  Variable loss = softmaxCrossEntropy(tape, z, labels, 0.0f, &stats);
  const double row1 = std::log(1 + std::exp(-2.0));
  EXPECT_NEAR(loss.value().item(), (std::log(2.0) + row1) / 2, 1e-6);
  EXPECT_EQ(stats.correct, 1);  // row 0 ties -> argmax 0 != 1; row 1 correct
  tape.backward(loss);
  // d/dz = (p - onehot)/N
  EXPECT_NEAR(z.grad().data()[0], (0.5 - 0) / 2, 1e-6);
  EXPECT_NEAR(z.grad().data()[1], (0.5 - 1) / 2, 1e-6);
}

TEST(SoftmaxCrossEntropy, LabelSmoothingMatchesDefinition) {
  Tape tape(TapeMode::kInference);
  Variable z(Tensor::fromVector({1, 3}, {1, 2, 3}));
  const std::vector<int32_t> labels{2};
  const float eps = 0.1f;
  const double logZ = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double expected = (1 - eps) * (logZ - 3) + eps / 3 * ((logZ - 1) + (logZ - 2) + (logZ - 3));
  EXPECT_NEAR(softmaxCrossEntropy(tape, z, labels, eps).value().item(), expected, 1e-5);
}

TEST(SoftmaxCrossEntropy, RejectsBadLabels) {
  Tape tape;
  Variable z(Tensor::zeros({1, 3}));
  const std::vector<int32_t> bad{3};
  EXPECT_THROW(softmaxCrossEntropy(tape, z, bad), std::out_of_range);
  const std::vector<int32_t> tooMany{0, 1};
  EXPECT_THROW(softmaxCrossEntropy(tape, z, tooMany), std::invalid_argument);
}

TEST(SoftmaxCrossEntropy, DeviceLabelsRejectCpuLogits) {
  // Without CUDA: "device labels need the CUDA backend"; with it: the logits must be on cuda.
  Tape tape;
  Variable z(Tensor::zeros({2, 3}));
  const int32_t labels[2] = {0, 1};
  EXPECT_THROW(softmaxCrossEntropy(tape, z, labels, 2), std::invalid_argument);
}

TEST(SoftmaxCrossEntropy, GradientMatchesFiniteDifferences) {
  ParameterArena arena;
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  const std::vector<int32_t> labels{0, 3, 2, 1, 3};
  for (float smoothing : {0.0f, 0.2f})
    testing::expectGradientsMatch(arena, {testing::randomTensor({5, 4}, 8)},
                                  [&](Tape& tape, std::vector<Variable>& in) {
                                    return softmaxCrossEntropy(tape, in[0], labels, smoothing);
                                  });
}

}  // namespace
}  // namespace gaplab
