// tests/core/cuda/attention_cuda_test.cpp — causal self-attention on the GPU
// against the CPU reference: odd shapes (T, D, heads not multiples of 32),
// model-like shapes, one position, peaked softmax, inference mode, and a qkv
// gradient that is written, then accumulated.
#include "core/ops/attention.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkAttention(int64_t batch, int64_t seq, int64_t d, int64_t heads, float scale = 1.0f) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [heads](Tape& tape, std::vector<Variable>& x, Device) { return causalSelfAttention(tape, x[0], heads); };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({batch, seq, 3 * d}, 1, scale)},
                          ParityTolerance{2e-5f, 1e-4f}, ParityTolerance{2e-4f, 1e-3f});
}

TEST(AttentionCuda, MatchesCpuOnOddShape) { checkAttention(2, 7, 24, 3); }
TEST(AttentionCuda, MatchesCpuOnModelShape) { checkAttention(4, 128, 128, 4); }
TEST(AttentionCuda, MatchesCpuOnOnePosition) { checkAttention(3, 1, 6, 2); }
TEST(AttentionCuda, MatchesCpuWithSequenceAcrossWarps) { checkAttention(3, 33, 40, 5); }
TEST(AttentionCuda, MatchesCpuWithOneHead) { checkAttention(2, 70, 18, 1); }
TEST(AttentionCuda, MatchesCpuWithPeakedSoftmax) { checkAttention(2, 45, 36, 2, 3.0f); }
TEST(AttentionCuda, MatchesCpuOnLongSequence) { checkAttention(1, 300, 64, 2); }

TEST(AttentionCuda, MatchesCpuInInference) {
  GAPLAB_REQUIRE_GPU();
  const Tensor qkv = testing::randomHostTensor({3, 19, 3 * 30}, 2);
  Tape cpuTape(TapeMode::kInference), gpuTape(TapeMode::kInference);
  const Variable yc = causalSelfAttention(cpuTape, Variable(qkv), 3);
  const Variable yg = causalSelfAttention(gpuTape, Variable(qkv.to(Device::kCuda)), 3);
  EXPECT_EQ(gpuTape.size(), 0u);
  testing::expectTensorsClose(yc.value(), yg.value(), 2e-5f, 1e-4f, "output");
}

TEST(AttentionCuda, QkvGradientIsWrittenThenAccumulated) {
  GAPLAB_REQUIRE_GPU();
  const Tensor qkv = testing::randomHostTensor({2, 37, 3 * 24}, 3);
  const Tensor dy = testing::randomHostTensor({2, 37, 24}, 4);
  auto twoPasses = [&](Device dev) {
    Variable x(qkv.to(dev), RequiresGrad::kYes);
    for (int pass = 0; pass < 2; ++pass) {
      Tape tape;
      Variable y = causalSelfAttention(tape, x, 4);
      tape.backward(y, dy.to(dev));
    }
    return x.grad().toVector();
  };
  testing::expectVectorsClose(twoPasses(Device::kCpu), twoPasses(Device::kCuda), 2e-4f, 1e-3f, "dqkv");
}

TEST(AttentionCuda, HeadsNotDividingTheWidthAreRefused) {
  GAPLAB_REQUIRE_GPU();
  Tape tape;
  Variable x(Tensor::zeros({1, 4, 3 * 10}, Device::kCuda));
  EXPECT_THROW(causalSelfAttention(tape, x, 3), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
