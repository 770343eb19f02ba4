// tests/core/cuda/optimizer_cuda_test.cpp — every optimizer and gradient
// clipping on a GPU arena against the CPU reference.
//
// Two arenas with the same layout and initial values (decayed and undecayed
// tensors, a run of two adjacent decayed tensors that merge into one decay
// segment, tensors longer than one LAMB chunk, odd sizes, an all-zero tensor)
// receive the same random gradients for several steps with a changing learning
// rate; values and every optimizer state must agree to float rounding.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/optim/adamw.h"
#include "core/optim/grad_clip.h"
#include "core/optim/lamb.h"
#include "core/optim/nadamw.h"
#include "core/optim/sgd.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::expectVectorsClose;
using testing::TwinArenas;

// Values and states are compared with these: a few float roundings, far below
// any update (lr * O(1)) or decay term (lr * wd * p) a wrong kernel would change.
constexpr float kAtol = 1e-6f;
constexpr float kRtol = 2e-6f;

void declareModel(ParameterArena& arena, Device) {
  arena.addParameter("w1", {37, 129}, Init::uniform(0.5f));  // 4773: two LAMB chunks
  arena.addParameter("b1", {129}, Init::uniform(0.5f), WeightDecay::kSkip);
  arena.addParameter("w2", {4100}, Init::uniform(0.5f));
  arena.addParameter("w3", {3, 333}, Init::uniform(0.5f));  // merges with w2 into one decay segment
  arena.addParameter("z", {5}, Init::zeros(), WeightDecay::kSkip);  // ||p|| = 0: LAMB ratio 1
  arena.addParameter("g", {7}, Init::ones(), WeightDecay::kSkip);
}

// The same host gradients written to both arenas.
void setGrads(TwinArenas& twin, uint64_t seed, float scale = 1.0f) {
  const Tensor g = testing::randomHostTensor({twin.cpu.size()}, seed, scale);
  std::copy_n(g.data(), g.numel(), twin.cpu.gradBuffer().data());
  copyHostToDevice(twin.gpu.grads(), g.data(), static_cast<std::size_t>(g.numel()) * sizeof(float));
}

void expectGradsEqual(TwinArenas& twin) {
  twin.gpu.syncToHost();
  for (std::size_t i = 0; i < twin.cpu.gradBuffer().size(); ++i) {
    ASSERT_EQ(twin.gpu.gradBuffer()[i], twin.cpu.gradBuffer()[i]) << "grad " << i;
  }
}

void expectStatesClose(TwinArenas& twin) {
  twin.gpu.syncToHost();
  ASSERT_EQ(twin.cpu.states().size(), twin.gpu.states().size());
  for (const auto& [name, cpuState] : twin.cpu.states()) {
    ASSERT_EQ(twin.gpu.states().count(name), 1u) << name;
    const AlignedFloats& gpuState = twin.gpu.states().at(name);
    expectVectorsClose(std::vector<float>(cpuState.begin(), cpuState.end()),
                       std::vector<float>(gpuState.begin(), gpuState.end()), kAtol, kRtol, name);
  }
}

// Runs `steps` steps of the same optimizer on both sides and compares.
template <class OptimizerType, class Options>
void checkOptimizer(const Options& options, float baseLr, int steps = 5) {
  TwinArenas twin;
  twin.allocate(declareModel);
  OptimizerType cpu(options), gpu(options);
  for (int s = 0; s < steps; ++s) {
    setGrads(twin, 100 + static_cast<uint64_t>(s));
    const float lr = baseLr * (1.0f + 0.25f * static_cast<float>(s));
    cpu.step(twin.cpu, lr);
    gpu.step(twin.gpu, lr);
  }
  EXPECT_EQ(cpu.stepCount(), gpu.stepCount());
  twin.expectValuesClose(kAtol, kRtol);
  expectStatesClose(twin);
}

TEST(OptimizerCuda, SgdWithoutMomentumMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<Sgd>(SgdOptions{Momentum::kNone, 0.9f, 0.1f}, 0.05f);
}

TEST(OptimizerCuda, SgdHeavyBallMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<Sgd>(SgdOptions{Momentum::kHeavyBall, 0.9f, 0.1f}, 0.05f);
}

TEST(OptimizerCuda, SgdNesterovMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<Sgd>(SgdOptions{Momentum::kNesterov, 0.8f, 0.1f}, 0.05f);
}

TEST(OptimizerCuda, SgdNesterovWithoutDecayMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<Sgd>(SgdOptions{Momentum::kNesterov, 0.9f, 0.0f}, 0.05f);
}

TEST(OptimizerCuda, AdamWMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<AdamW>(AdamWOptions{0.9f, 0.999f, 1e-8f, 0.1f}, 0.01f);
}

TEST(OptimizerCuda, AdamWWithoutDecayAndLargeEpsMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<AdamW>(AdamWOptions{0.8f, 0.99f, 0.1f, 0.0f}, 0.01f);
}

TEST(OptimizerCuda, NAdamWMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<NAdamW>(NAdamWOptions{0.9f, 0.999f, 1e-8f, 0.1f}, 0.01f);
}

TEST(OptimizerCuda, LambMatchesCpuIncludingTrustRatios) {
  GAPLAB_REQUIRE_GPU();
  TwinArenas twin;
  twin.allocate(declareModel);
  const LambOptions options{0.9f, 0.999f, 1e-6f, 0.1f};
  Lamb cpu(options), gpu(options);
  for (int s = 0; s < 4; ++s) {
    setGrads(twin, 200 + static_cast<uint64_t>(s));
    const float lr = 0.01f * (1.0f + 0.5f * static_cast<float>(s));
    cpu.step(twin.cpu, lr);
    gpu.step(twin.gpu, lr);
    const std::vector<double>& c = cpu.lastTrustRatios();
    const std::vector<double>& g = gpu.lastTrustRatios();
    ASSERT_EQ(c.size(), g.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
      EXPECT_NEAR(g[i], c[i], 1e-6 * std::fabs(c[i])) << "step " << s << ", tensor " << twin.cpu.param(int(i)).name;
    }
    if (s == 0) EXPECT_EQ(g[4], 1.0) << "the all-zero tensor has ratio 1 (it moves after the first step)";
  }
  twin.expectValuesClose(kAtol, kRtol);
  expectStatesClose(twin);
}

TEST(OptimizerCuda, LambWithoutDecayMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  checkOptimizer<Lamb>(LambOptions{0.9f, 0.99f, 1e-6f, 0.0f}, 0.02f);
}

TEST(OptimizerCuda, GlobalGradNormMatchesCpuAndRepeats) {
  GAPLAB_REQUIRE_GPU();
  TwinArenas twin;
  twin.allocate([](ParameterArena& arena, Device) {
    arena.addParameter("big", {1031, 1111}, Init::zeros());  // more than 1024 partials' worth of elements
    arena.addParameter("odd", {3}, Init::zeros());
  });
  setGrads(twin, 5);
  const double cpu = globalGradNorm(twin.cpu);
  const double gpu = globalGradNorm(twin.gpu);
  EXPECT_NEAR(gpu, cpu, 1e-12 * cpu);
  EXPECT_EQ(globalGradNorm(twin.gpu), gpu) << "the device reduction must be deterministic";
}

TEST(OptimizerCuda, ClipGradNormScalesLikeCpu) {
  GAPLAB_REQUIRE_GPU();
  TwinArenas twin;
  twin.allocate(declareModel);
  setGrads(twin, 7);
  const double cpu = clipGradNorm(twin.cpu, 1.5);
  const double gpu = clipGradNorm(twin.gpu, 1.5);
  ASSERT_GT(cpu, 1.5) << "the test must clip";
  EXPECT_NEAR(gpu, cpu, 1e-12 * cpu);
  twin.expectGradsClose(1e-7f, 1e-6f);
  EXPECT_NEAR(globalGradNorm(twin.gpu), 1.5, 1e-5) << "after clipping the norm is maxNorm";
}

TEST(OptimizerCuda, ClipGradNormBelowMaxLeavesGradsUntouched) {
  GAPLAB_REQUIRE_GPU();
  TwinArenas twin;
  twin.allocate(declareModel);
  setGrads(twin, 8, 1e-3f);
  const double cpu = clipGradNorm(twin.cpu, 10.0);
  const double gpu = clipGradNorm(twin.gpu, 10.0);
  EXPECT_NEAR(gpu, cpu, 1e-12 * cpu);
  expectGradsEqual(twin);  // bit for bit: nothing was scaled
}

TEST(OptimizerCuda, ClipGradNormWithNonFiniteGradientReturnsItAndLeavesGrads) {
  GAPLAB_REQUIRE_GPU();
  TwinArenas twin;
  twin.allocate(declareModel);
  setGrads(twin, 9);
  const float inf = INFINITY;
  twin.cpu.gradBuffer()[17] = inf;
  copyHostToDevice(twin.gpu.grads() + 17, &inf, sizeof(float));
  const double gpu = clipGradNorm(twin.gpu, 1.0);
  EXPECT_FALSE(std::isfinite(gpu));
  expectGradsEqual(twin);
}

}  // namespace
}  // namespace gaplab
