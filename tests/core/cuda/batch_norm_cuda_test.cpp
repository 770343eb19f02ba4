// tests/core/cuda/batch_norm_cuda_test.cpp — BatchNorm and Ghost BatchNorm on the
// GPU against the CPU reference: [N, C] and [N, C, H, W], with and without the
// fused ReLU, ghost batches whose last one is short, running statistics after a
// training step, an input and parameters used twice (dx assigned, then
// accumulated), and eval mode from non-trivial running statistics.
#include "core/ops/batch_norm.h"

#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

struct BnViews {
  ParamView gamma, beta;
  BufferView mean, var;
};

void declareBatchNorm(testing::TwinArenas& twin, BnViews (&v)[2], int64_t channels) {
  twin.allocate([&](ParameterArena& arena, Device d) {
    BnViews& s = v[d == Device::kCpu ? 0 : 1];
    s.gamma = arena.addParameter("bn.weight", {channels}, Init::uniform(1.5f), WeightDecay::kSkip);
    s.beta = arena.addParameter("bn.bias", {channels}, Init::uniform(0.5f), WeightDecay::kSkip);
    s.mean = arena.addBuffer("bn.running_mean", {channels}, 0.0f);
    s.var = arena.addBuffer("bn.running_var", {channels}, 1.0f);
  });
}

void checkBatchNorm(const Shape& shape, int64_t ghostSize, FusedActivation activation) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  BnViews v[2];
  declareBatchNorm(twin, v, shape[1]);
  BatchNormOptions options;
  options.ghostSize = ghostSize;
  options.momentum = 0.25f;
  options.activation = activation;
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device d) {
    const BnViews& s = v[d == Device::kCpu ? 0 : 1];
    return batchNorm(tape, x[0], s.gamma, s.beta, s.mean, s.var, options, NormMode::kTrain);
  };
  // Offset and scaled input: the statistics are far from (0, 1).
  Tensor x = testing::randomHostTensor(shape, 4, 2.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] += 0.75f;
  testing::expectOpParity(twin, op, {x}, ParityTolerance{1e-4f, 1e-4f}, ParityTolerance{3e-4f, 1e-3f});
  // expectOpParity's output-shape probe ran one more training step on the CPU
  // arena, so start both sides from the GPU's running statistics and compare
  // them after one more step each.
  twin.gpu.syncToHost();
  twin.cpu.bufferStorage() = twin.gpu.bufferStorage();
  for (int side = 0; side < 2; ++side) {
    Tape tape(TapeMode::kInference);
    const BnViews& s = v[side];
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    batchNorm(tape, Variable(x.to(d)), s.gamma, s.beta, s.mean, s.var, options, NormMode::kTrain);
  }
  twin.expectBuffersClose(1e-5f, 1e-4f);
}

TEST(BatchNormCuda, MatchesCpuOnRows) { checkBatchNorm({37, 45}, 0, FusedActivation::kNone); }
TEST(BatchNormCuda, MatchesCpuOnRowsWithRelu) { checkBatchNorm({256, 100}, 0, FusedActivation::kRelu); }
TEST(BatchNormCuda, MatchesCpuWideLayer) { checkBatchNorm({128, 1024}, 0, FusedActivation::kRelu); }
TEST(BatchNormCuda, GhostBatchesWithShortLastGhost) { checkBatchNorm({50, 33}, 16, FusedActivation::kRelu); }
TEST(BatchNormCuda, GhostSizeLargerThanBatch) { checkBatchNorm({9, 7}, 64, FusedActivation::kNone); }
TEST(BatchNormCuda, MatchesCpuOnImages) { checkBatchNorm({6, 5, 7, 9}, 0, FusedActivation::kNone); }
TEST(BatchNormCuda, GhostBatchesOnImagesWithRelu) { checkBatchNorm({10, 3, 5, 5}, 4, FusedActivation::kRelu); }

// Two BatchNorms on the same x with the same parameters: the second backward
// accumulates into dx and into dgamma / dbeta.
void checkBatchNormTwice(const Shape& shape, int64_t ghostSize, FusedActivation activation) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  BnViews v[2];
  declareBatchNorm(twin, v, shape[1]);
  BatchNormOptions options;
  options.ghostSize = ghostSize;
  options.activation = activation;
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device d) {
    const BnViews& s = v[d == Device::kCpu ? 0 : 1];
    return add(tape, batchNorm(tape, x[0], s.gamma, s.beta, s.mean, s.var, options, NormMode::kTrain),
               batchNorm(tape, x[0], s.gamma, s.beta, s.mean, s.var, options, NormMode::kTrain));
  };
  Tensor x = testing::randomHostTensor(shape, 14, 1.5f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] -= 0.3f;
  testing::expectOpParity(twin, op, {x}, ParityTolerance{1e-4f, 1e-4f}, ParityTolerance{3e-4f, 1e-3f});
}

TEST(BatchNormCuda, InputUsedTwiceOnRowsWithRelu) { checkBatchNormTwice({40, 19}, 0, FusedActivation::kRelu); }
TEST(BatchNormCuda, InputUsedTwiceOnImagesWithGhosts) { checkBatchNormTwice({9, 4, 5, 3}, 4, FusedActivation::kNone); }

void checkEval(const Shape& shape, FusedActivation activation) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  BnViews v[2];
  declareBatchNorm(twin, v, shape[1]);
  // Non-trivial running statistics, the same on both sides.
  RngStream rng(21, RngPurpose::kSynthetic);
  auto& buffers = twin.cpu.bufferStorage();
  const int64_t c = shape[1];
  for (int64_t i = 0; i < c; ++i) buffers[static_cast<std::size_t>(i)] = rng.uniform(-1.0f, 1.0f);
  for (int64_t i = c; i < 2 * c; ++i) buffers[static_cast<std::size_t>(i)] = rng.uniform(0.2f, 3.0f);
  twin.gpu.bufferStorage() = buffers;
  twin.gpu.syncFromHost();
  BatchNormOptions options;
  options.activation = activation;
  const Tensor x = testing::randomHostTensor(shape, 8);
  Tape a(TapeMode::kInference), b(TapeMode::kInference);
  Variable yc = batchNorm(a, Variable(x), v[0].gamma, v[0].beta, v[0].mean, v[0].var, options, NormMode::kEval);
  Variable yg = batchNorm(b, Variable(x.to(Device::kCuda)), v[1].gamma, v[1].beta, v[1].mean, v[1].var, options,
                          NormMode::kEval);
  testing::expectTensorsClose(yc.value(), yg.value(), 1e-5f, 1e-4f, "eval output");
  twin.expectBuffersClose(0.0f, 1e-7f);  // eval leaves the running statistics alone
}

TEST(BatchNormCuda, EvalUsesRunningStatistics) { checkEval({19, 33}, FusedActivation::kNone); }
TEST(BatchNormCuda, EvalOnImagesWithRelu) { checkEval({3, 4, 6, 5}, FusedActivation::kRelu); }

}  // namespace
}  // namespace gaplab
