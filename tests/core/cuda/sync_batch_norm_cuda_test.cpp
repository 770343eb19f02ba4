// tests/core/cuda/sync_batch_norm_cuda_test.cpp — synchronised BatchNorm on the GPU
// against the CPU reference, with a stand-in RankSum: one rank, and "two ranks
// holding the same batch" (every sum doubled), which changes the global count
// and so the unbiased variance; the collective is called as often as on the CPU.
#include "core/ops/sync_batch_norm.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

// Sums over `copies` ranks that all hold this rank's data.
class IdenticalRanks final : public RankSum {
 public:
  explicit IdenticalRanks(int copies) : copies_(copies) {}
  int ranks() const override { return copies_; }
  void sumInPlace(float* data, int64_t count) override {
    ++calls;
    for (int64_t i = 0; i < count; ++i) data[i] *= static_cast<float>(copies_);
  }
  int calls = 0;

 private:
  int copies_;
};

struct BnViews {
  ParamView gamma, beta;
  BufferView mean, var;
};

void checkSync(const Shape& shape, int copies, FusedActivation activation) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  BnViews v[2];
  twin.allocate([&](ParameterArena& arena, Device d) {
    BnViews& s = v[d == Device::kCpu ? 0 : 1];
    s.gamma = arena.addParameter("bn.weight", {shape[1]}, Init::uniform(1.5f), WeightDecay::kSkip);
    s.beta = arena.addParameter("bn.bias", {shape[1]}, Init::uniform(0.5f), WeightDecay::kSkip);
    s.mean = arena.addBuffer("bn.running_mean", {shape[1]}, 0.0f);
    s.var = arena.addBuffer("bn.running_var", {shape[1]}, 1.0f);
  });
  IdenticalRanks cpuRanks(copies), gpuRanks(copies);
  BatchNormOptions options;
  options.momentum = 0.3f;
  options.activation = activation;
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    return syncBatchNorm(tape, x[0], v[side].gamma, v[side].beta, v[side].mean, v[side].var, options,
                         NormMode::kTrain, side == 0 ? cpuRanks : gpuRanks);
  };
  Tensor x = testing::randomHostTensor(shape, 12, 1.5f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] -= 0.4f;
  testing::expectOpParity(twin, op, {x}, ParityTolerance{1e-4f, 1e-4f}, ParityTolerance{3e-4f, 1e-3f});
  // The CPU side also ran the output-shape probe (2 forward calls, no backward).
  EXPECT_EQ(gpuRanks.calls, 3);
  EXPECT_EQ(cpuRanks.calls, 5);

  // Running statistics after one more step from the same start.
  twin.gpu.syncToHost();
  twin.cpu.bufferStorage() = twin.gpu.bufferStorage();
  for (int side = 0; side < 2; ++side) {
    Tape tape(TapeMode::kInference);
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    syncBatchNorm(tape, Variable(x.to(d)), v[side].gamma, v[side].beta, v[side].mean, v[side].var, options,
                  NormMode::kTrain, side == 0 ? cpuRanks : gpuRanks);
  }
  twin.expectBuffersClose(1e-5f, 1e-4f);
}

TEST(SyncBatchNormCuda, OneRankOnRows) { checkSync({29, 37}, 1, FusedActivation::kNone); }
TEST(SyncBatchNormCuda, TwoRanksOnRowsWithRelu) { checkSync({64, 200}, 2, FusedActivation::kRelu); }
TEST(SyncBatchNormCuda, TwoRanksOnImages) { checkSync({5, 3, 6, 7}, 2, FusedActivation::kRelu); }
TEST(SyncBatchNormCuda, SingleExamplePerRank) { checkSync({1, 9}, 4, FusedActivation::kNone); }

// Stands in for other ranks whose sums are all ones.
class OthersAddOnes final : public RankSum {
 public:
  int ranks() const override { return 2; }
  void sumInPlace(float* data, int64_t count) override {
    for (int64_t i = 0; i < count; ++i) data[i] += 1.0f;
  }
};

// A rank with no rows of its own contributes zero sums (the CPU's), not whatever
// the device buffers held: blocks of the sums' sizes are left dirty in the cache.
TEST(SyncBatchNormCuda, EmptyLocalBatchContributesZeroSums) {
  GAPLAB_REQUIRE_GPU();
  const int64_t c = 300;  // the op's C- and 2C-float sums are the first to take these cache buckets
  testing::TwinArenas twin;
  BnViews v[2];
  twin.allocate([&](ParameterArena& arena, Device d) {
    BnViews& s = v[d == Device::kCpu ? 0 : 1];
    s.gamma = arena.addParameter("bn.weight", {c}, Init::uniform(1.5f), WeightDecay::kSkip);
    s.beta = arena.addParameter("bn.bias", {c}, Init::uniform(0.5f), WeightDecay::kSkip);
    s.mean = arena.addBuffer("bn.running_mean", {c}, 0.0f);
    s.var = arena.addBuffer("bn.running_var", {c}, 1.0f);
  });
  twin.cpu.zeroGrad();
  twin.gpu.zeroGrad();
  {
    std::vector<Tensor> dirty;
    for (int i = 0; i < 4; ++i) {
      dirty.push_back(Tensor::full({c}, 1000.0f, Device::kCuda));
      dirty.push_back(Tensor::full({2, c}, 1000.0f, Device::kCuda));
    }
  }
  for (int side = 0; side < 2; ++side) {
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    OthersAddOnes ranks;
    Tape tape;
    Variable x(Tensor::empty({0, c}, d), RequiresGrad::kYes);
    Variable y = syncBatchNorm(tape, x, v[side].gamma, v[side].beta, v[side].mean, v[side].var, BatchNormOptions{},
                               NormMode::kTrain, ranks);
    EXPECT_EQ(y.shape(), (Shape{0, c}));
    tape.backward(y, Tensor::empty({0, c}, d));
  }
  twin.expectBuffersClose(1e-6f, 1e-5f);
  twin.expectGradsClose(0.0f, 1e-6f);
}

TEST(SyncBatchNormCuda, NoInputGradientMeansNoBackwardCollective) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView g = arena.addParameter("g", {4}, Init::ones(), WeightDecay::kSkip);
  ParamView b = arena.addParameter("b", {4}, Init::zeros(), WeightDecay::kSkip);
  BufferView m = arena.addBuffer("m", {4}, 0.0f), var = arena.addBuffer("v", {4}, 1.0f);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  arena.moveTo(Device::kCuda);
  IdenticalRanks ranks(2);
  Tape tape;
  Variable x(testing::randomHostTensor({6, 4}, 3).to(Device::kCuda), RequiresGrad::kNo);
  Variable y = syncBatchNorm(tape, x, g, b, m, var, BatchNormOptions{}, NormMode::kTrain, ranks);
  tape.backward(y, testing::randomHostTensor({6, 4}, 4).to(Device::kCuda));
  EXPECT_EQ(ranks.calls, 2);
  EXPECT_FALSE(x.hasGrad());
}

}  // namespace
}  // namespace gaplab
