// tests/core/cuda/cross_entropy_cuda_test.cpp — fused softmax + cross-entropy on
// the GPU against the CPU reference: loss, logits gradient, label smoothing,
// class counts below, at and above a warp, 3-D logits, the metric stats (with
// arg-max ties), logits used by two losses (dlogits assigned, then accumulated)
// and a backward seeded from the loss itself.
#include "core/ops/cross_entropy.h"

#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

std::vector<int32_t> randomLabels(int64_t rows, int64_t classes, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic, 7);
  std::vector<int32_t> labels(static_cast<std::size_t>(rows));
  for (auto& l : labels) l = static_cast<int32_t>(rng.below(static_cast<uint64_t>(classes)));
  return labels;
}

void checkCrossEntropy(const Shape& shape, float smoothing) {
  GAPLAB_REQUIRE_GPU();
  const int64_t classes = shape.back();
  const std::vector<int32_t> labels = randomLabels(shapeNumel(shape) / classes, classes, 3);
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device) {
    return softmaxCrossEntropy(tape, x[0], labels, smoothing);
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor(shape, 11, 3.0f)}, ParityTolerance{1e-5f, 1e-5f},
                          ParityTolerance{1e-6f, 1e-4f});
}

TEST(CrossEntropyCuda, MatchesCpuTenClasses) { checkCrossEntropy({37, 10}, 0.0f); }
TEST(CrossEntropyCuda, MatchesCpuWithSmoothing) { checkCrossEntropy({129, 10}, 0.1f); }
TEST(CrossEntropyCuda, MatchesCpuByteVocabulary) { checkCrossEntropy({4, 17, 256}, 0.05f); }
TEST(CrossEntropyCuda, MatchesCpuOddClassCount) { checkCrossEntropy({5, 1001}, 0.2f); }
TEST(CrossEntropyCuda, MatchesCpuFewerClassesThanLanes) { checkCrossEntropy({300, 3}, 0.0f); }

TEST(CrossEntropyCuda, LogitsUsedTwiceAccumulate) {
  GAPLAB_REQUIRE_GPU();
  const std::vector<int32_t> labels = randomLabels(45, 10, 4);
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, softmaxCrossEntropy(tape, x[0], labels, 0.1f), softmaxCrossEntropy(tape, x[0], labels, 0.0f));
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({45, 10}, 12, 3.0f)}, ParityTolerance{1e-5f, 1e-5f},
                          ParityTolerance{1e-6f, 1e-4f});
}

TEST(CrossEntropyCuda, LossStaysOnTheGpuAndStatsMatch) {
  GAPLAB_REQUIRE_GPU();
  const int64_t rows = 70, classes = 10;
  Tensor z = testing::randomHostTensor({rows, classes}, 5);
  // Rows 0-9 are all ties: the first arg-max (class 0) decides correctness.
  for (int64_t i = 0; i < 10 * classes; ++i) z.data()[i] = 0.5f;
  std::vector<int32_t> labels = randomLabels(rows, classes, 9);
  labels[0] = 0;
  labels[1] = 1;
  CrossEntropyStats cpuStats, gpuStats;
  Tape a(TapeMode::kInference), b(TapeMode::kInference);
  const float cpuLoss = softmaxCrossEntropy(a, Variable(z), labels, 0.1f, &cpuStats).value().item();
  Variable gpuLoss = softmaxCrossEntropy(b, Variable(z.to(Device::kCuda)), labels, 0.1f, &gpuStats);
  EXPECT_EQ(gpuLoss.value().device(), Device::kCuda);
  EXPECT_EQ(gpuLoss.value().numel(), 1);
  EXPECT_NEAR(gpuLoss.value().item(), cpuLoss, 1e-5 * std::fabs(cpuLoss) + 1e-6);
  EXPECT_EQ(gpuStats.rows, cpuStats.rows);
  EXPECT_EQ(gpuStats.correct, cpuStats.correct);
  EXPECT_NEAR(gpuStats.lossSum, cpuStats.lossSum, 1e-5 * std::fabs(cpuStats.lossSum));
}

TEST(CrossEntropyCuda, BackwardFromTheLossMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  const Tensor z = testing::randomHostTensor({33, 10}, 17);
  const std::vector<int32_t> labels = randomLabels(33, 10, 2);
  Variable zc(z, RequiresGrad::kYes), zg(z.to(Device::kCuda), RequiresGrad::kYes);
  Tape a, b;
  Variable lc = softmaxCrossEntropy(a, zc, labels, 0.0f);
  Variable lg = softmaxCrossEntropy(b, zg, labels, 0.0f);
  a.backward(lc);
  b.backward(lg);  // seeds dloss = 1 on the GPU
  testing::expectTensorsClose(zc.grad(), zg.grad(), 1e-6f, 1e-4f, "dlogits");
}

}  // namespace
}  // namespace gaplab
