// tests/core/cuda/layer_norm_cuda_test.cpp — LayerNorm (with and without beta)
// and RMSNorm on the GPU against the CPU reference: odd widths, model-like and
// wide rows, many rows (several row chunks in the parameter gradients), inputs
// with a large mean, inference mode, and a bit-identical gamma gradient on a
// second run.
#include "core/ops/layer_norm.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

enum class Mode { kLayerWithBeta, kLayerWithoutBeta, kRms };

// Normal values around `offset`, so that LayerNorm's centring matters.
Tensor shiftedInput(const Shape& shape, float offset, uint64_t seed) {
  Tensor t = testing::randomHostTensor(shape, seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] += offset;
  return t;
}

struct NormTwin {
  testing::TwinArenas twin;
  ParamView gamma[2], beta[2];
  Mode mode;

  NormTwin(Mode m, int64_t d) : mode(m) {
    twin.allocate([&](ParameterArena& arena, Device dev) {
      const int side = dev == Device::kCpu ? 0 : 1;
      gamma[side] = arena.addParameter("gamma", {d}, Init::normal(1.0f), WeightDecay::kSkip);
      if (mode == Mode::kLayerWithBeta)
        beta[side] = arena.addParameter("beta", {d}, Init::normal(1.0f), WeightDecay::kSkip);
    });
  }

  Variable run(Tape& tape, const Variable& x, Device dev) const {
    const int side = dev == Device::kCpu ? 0 : 1;
    if (mode == Mode::kRms) return rmsNorm(tape, x, gamma[side], 1e-5f);
    return layerNorm(tape, x, gamma[side], beta[side], 1e-5f);
  }
};

void checkNorm(Mode mode, const Shape& xShape, float offset = 0.5f) {
  GAPLAB_REQUIRE_GPU();
  NormTwin n(mode, xShape.back());
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device dev) { return n.run(tape, x[0], dev); };
  testing::expectOpParity(n.twin, op, {shiftedInput(xShape, offset, 1)}, ParityTolerance{1e-5f, 1e-4f},
                          ParityTolerance{1e-4f, 1e-3f});
}

TEST(LayerNormCuda, MatchesCpuOnOddShape) { checkNorm(Mode::kLayerWithBeta, {7, 24}); }
TEST(LayerNormCuda, MatchesCpuOnOddRank3Shape) { checkNorm(Mode::kLayerWithBeta, {3, 5, 37}); }
TEST(LayerNormCuda, MatchesCpuOnModelShape) { checkNorm(Mode::kLayerWithBeta, {4, 128, 128}); }
TEST(LayerNormCuda, MatchesCpuWithoutBeta) { checkNorm(Mode::kLayerWithoutBeta, {9, 33}); }
TEST(LayerNormCuda, MatchesCpuOnWideRows) { checkNorm(Mode::kLayerWithBeta, {3, 1000}); }
TEST(LayerNormCuda, MatchesCpuWithLargeMean) { checkNorm(Mode::kLayerWithBeta, {16, 40}, 20.0f); }
TEST(LayerNormCuda, MatchesCpuOnManyRowChunks) { checkNorm(Mode::kLayerWithBeta, {3001, 5}); }
TEST(LayerNormCuda, MatchesCpuWhenRowsExceedTheChunkLimit) { checkNorm(Mode::kLayerWithBeta, {70001, 3}); }
TEST(LayerNormCuda, MatchesCpuOnOneElementRows) { checkNorm(Mode::kLayerWithBeta, {6, 1}); }
TEST(RmsNormCuda, MatchesCpuOnOddShape) { checkNorm(Mode::kRms, {7, 24}); }
TEST(RmsNormCuda, MatchesCpuOnModelShape) { checkNorm(Mode::kRms, {4, 128, 128}); }
TEST(RmsNormCuda, MatchesCpuOnWideRows) { checkNorm(Mode::kRms, {2, 777}); }
TEST(RmsNormCuda, MatchesCpuOnManyRowChunks) { checkNorm(Mode::kRms, {3001, 5}); }

void checkInference(Mode mode, const Shape& xShape) {
  GAPLAB_REQUIRE_GPU();
  NormTwin n(mode, xShape.back());
  const Tensor x = shiftedInput(xShape, 1.0f, 2);
  Tape cpuTape(TapeMode::kInference), gpuTape(TapeMode::kInference);
  const Variable yc = n.run(cpuTape, Variable(x), Device::kCpu);
  const Variable yg = n.run(gpuTape, Variable(x.to(Device::kCuda)), Device::kCuda);
  EXPECT_EQ(gpuTape.size(), 0u);
  testing::expectTensorsClose(yc.value(), yg.value(), 1e-5f, 1e-4f, "output");
}

TEST(LayerNormCuda, MatchesCpuInInference) { checkInference(Mode::kLayerWithBeta, {5, 3, 24}); }
TEST(RmsNormCuda, MatchesCpuInInference) { checkInference(Mode::kRms, {5, 3, 24}); }

void checkAccumulationAndDeterminism(Mode mode) {
  GAPLAB_REQUIRE_GPU();
  const Shape xShape{8, 128, 64};
  NormTwin n(mode, xShape.back());
  const Tensor x = shiftedInput(xShape, 0.5f, 3);
  const Tensor dy = testing::randomHostTensor(xShape, 4);
  // Two forward/backward passes without zeroing: the parameter gradients add up,
  // and the input's gradient is written (=) by the first pass and added to (+=) by the second.
  auto twoPasses = [&](ParameterArena& arena, Device dev) {
    arena.zeroGrad();
    Variable xv(x.to(dev), RequiresGrad::kYes);
    for (int pass = 0; pass < 2; ++pass) {
      Tape tape;
      Variable y = n.run(tape, xv, dev);
      tape.backward(y, dy.to(dev));
    }
    return xv.grad().toVector();
  };
  const std::vector<float> dxCpu = twoPasses(n.twin.cpu, Device::kCpu);
  const std::vector<float> dxGpu = twoPasses(n.twin.gpu, Device::kCuda);
  testing::expectVectorsClose(dxCpu, dxGpu, 1e-4f, 1e-3f, "dx");
  n.twin.expectGradsClose(1e-4f, 1e-3f);
  const std::vector<float> first(n.twin.gpu.gradBuffer().begin(), n.twin.gpu.gradBuffer().end());
  const std::vector<float> dxAgain = twoPasses(n.twin.gpu, Device::kCuda);
  n.twin.gpu.syncToHost();
  const std::vector<float> second(n.twin.gpu.gradBuffer().begin(), n.twin.gpu.gradBuffer().end());
  ASSERT_EQ(first, second);
  ASSERT_EQ(dxGpu, dxAgain);
}

TEST(LayerNormCuda, GradientsAccumulateAndAreBitIdenticalAcrossRuns) {
  checkAccumulationAndDeterminism(Mode::kLayerWithBeta);
}
// RMSNorm has its own kernel instantiations (no centring, no beta): its += paths too.
TEST(RmsNormCuda, GradientsAccumulateAndAreBitIdenticalAcrossRuns) { checkAccumulationAndDeterminism(Mode::kRms); }

TEST(LayerNormCuda, InputOnCudaWithParametersOnCpuIsRefused) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView gamma = arena.addParameter("gamma", {3}, Init::ones());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable x(Tensor::zeros({2, 3}, Device::kCuda));
  try {
    rmsNorm(tape, x, gamma);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("parameters on cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
