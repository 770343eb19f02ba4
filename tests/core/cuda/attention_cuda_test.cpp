// tests/core/cuda/attention_cuda_test.cpp — causal self-attention on the GPU
// against the CPU reference: odd shapes (T, D, heads not multiples of 32),
// model-like shapes, one position, peaked softmax, inference mode, a qkv
// gradient that is written, then accumulated (across tapes and within one), and
// the tf32 and bf16 products against the fp32 ones.
#include "core/ops/attention.h"

#include <utility>

#include "core/compute_precision.h"
#include "core/ops/add.h"
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
// B, T, H and dh = 7 all odd: a wrong stride in the head permutes or the batched
// products shows up here.
TEST(AttentionCuda, MatchesCpuWithOddEverything) { checkAttention(3, 33, 35, 5); }

// qkv read by two attentions with different head splits in one tape: the second
// backward accumulates (+=) into the gradient the first one wrote.
TEST(AttentionCuda, QkvUsedTwiceAccumulatesItsGradient) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, causalSelfAttention(tape, x[0], 5), causalSelfAttention(tape, x[0], 7));
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({3, 33, 3 * 35}, 5)}, ParityTolerance{4e-5f, 2e-4f},
                          ParityTolerance{4e-4f, 2e-3f});
}

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

// Sets a compute precision for one scope and restores the previous one, also
// when an assertion leaves the test early.
class PrecisionScope {
 public:
  explicit PrecisionScope(ComputePrecision p) : before_(computePrecision()) { setComputePrecision(p); }
  ~PrecisionScope() { setComputePrecision(before_); }
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

 private:
  ComputePrecision before_;
};

// y and d(qkv) of one forward and backward on the GPU at `precision`.
std::pair<std::vector<float>, std::vector<float>> gpuRun(ComputePrecision precision, const Tensor& qkv,
                                                         const Tensor& dy, int64_t heads) {
  PrecisionScope scope(precision);
  Variable x(qkv.to(Device::kCuda), RequiresGrad::kYes);
  Tape tape;
  Variable y = causalSelfAttention(tape, x, heads);
  tape.backward(y, dy.to(Device::kCuda));
  return {y.value().toVector(), x.grad().toVector()};
}

// TF32 (10-bit mantissa) and bf16 (8-bit) inputs to the products, fp32
// accumulation: close to the fp32 run at a tolerance set by the input rounding;
// a wrong layout would be off by O(1).
TEST(AttentionCuda, ReducedPrecisionStaysCloseToFp32) {
  GAPLAB_REQUIRE_GPU();
  const ComputePrecision before = computePrecision();
  const Tensor qkv = testing::randomHostTensor({3, 33, 3 * 35}, 6);
  const Tensor dy = testing::randomHostTensor({3, 33, 35}, 7);
  const auto [y32, d32] = gpuRun(ComputePrecision::kFp32, qkv, dy, 5);
  const auto [yTf, dTf] = gpuRun(ComputePrecision::kTf32, qkv, dy, 5);
  testing::expectVectorsClose(y32, yTf, 1e-2f, 1e-2f, "tf32 output");
  testing::expectVectorsClose(d32, dTf, 3e-2f, 2e-2f, "tf32 dqkv");
  const auto [yBf, dBf] = gpuRun(ComputePrecision::kBf16, qkv, dy, 5);
  testing::expectVectorsClose(y32, yBf, 5e-2f, 5e-2f, "bf16 output");
  testing::expectVectorsClose(d32, dBf, 1.5e-1f, 8e-2f, "bf16 dqkv");
  EXPECT_EQ(computePrecision(), before);
}

TEST(AttentionCuda, HeadsNotDividingTheWidthAreRefused) {
  GAPLAB_REQUIRE_GPU();
  Tape tape;
  Variable x(Tensor::zeros({1, 4, 3 * 10}, Device::kCuda));
  EXPECT_THROW(causalSelfAttention(tape, x, 3), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
