// tests/core/cuda/linear_cuda_test.cpp — linear on the GPU against the CPU
// reference: plain, with ReLU and with GELU fused, 2-D and 3-D inputs, and
// gradients that are written, then accumulated (parameters +=, input = then +=).
#include "core/ops/linear.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkLinear(FusedActivation activation, const Shape& xShape, int64_t out, bool withBias) {
  GAPLAB_REQUIRE_GPU();
  const int64_t in = xShape.back();
  testing::TwinArenas twin;
  ParamView w[2], b[2];
  twin.allocate([&](ParameterArena& arena, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    w[side] = arena.addParameter("w", {out, in}, Init::fanIn(in));
    if (withBias) b[side] = arena.addParameter("b", {out}, Init::fanIn(in), WeightDecay::kSkip);
  });
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    return linear(tape, x[0], w[side], b[side], activation);
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor(xShape, 1)}, ParityTolerance{1e-4f, 1e-4f},
                          ParityTolerance{2e-4f, 1e-3f});
}

TEST(LinearCuda, MatchesCpuWithoutActivation) { checkLinear(FusedActivation::kNone, {33, 70}, 45, true); }
TEST(LinearCuda, MatchesCpuWithRelu) { checkLinear(FusedActivation::kRelu, {64, 128}, 96, true); }
TEST(LinearCuda, MatchesCpuWithGelu) { checkLinear(FusedActivation::kGelu, {4, 17, 32}, 48, true); }
TEST(LinearCuda, MatchesCpuWithoutBias) { checkLinear(FusedActivation::kNone, {5, 9}, 3, false); }

// expectOpParity writes the input gradient once, so it cannot tell = from +=
// there: two backward passes without zeroing can.
void checkLinearAccumulates(FusedActivation activation) {
  GAPLAB_REQUIRE_GPU();
  const int64_t in = 37, out = 29;
  const Tensor x = testing::randomHostTensor({3, 11, in}, 5);
  const Tensor dy = testing::randomHostTensor({3, 11, out}, 6);
  testing::TwinArenas twin;
  ParamView w[2], b[2];
  twin.allocate([&](ParameterArena& arena, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    w[side] = arena.addParameter("w", {out, in}, Init::fanIn(in));
    b[side] = arena.addParameter("b", {out}, Init::fanIn(in), WeightDecay::kSkip);
  });
  auto twoPasses = [&](ParameterArena& arena, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    arena.zeroGrad();
    Variable xv(x.to(d), RequiresGrad::kYes);
    for (int pass = 0; pass < 2; ++pass) {
      Tape tape;
      Variable y = linear(tape, xv, w[side], b[side], activation);
      tape.backward(y, dy.to(d));
    }
    return xv.grad().toVector();
  };
  const std::vector<float> dxCpu = twoPasses(twin.cpu, Device::kCpu);
  const std::vector<float> dxGpu = twoPasses(twin.gpu, Device::kCuda);
  testing::expectVectorsClose(dxCpu, dxGpu, 2e-4f, 1e-3f, "dx");
  twin.expectGradsClose(2e-4f, 1e-3f);
}

TEST(LinearCuda, GradientsAccumulateWithoutActivation) { checkLinearAccumulates(FusedActivation::kNone); }
TEST(LinearCuda, GradientsAccumulateWithGelu) { checkLinearAccumulates(FusedActivation::kGelu); }

TEST(LinearCuda, InputOnCudaWithParametersOnCpuIsRefused) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {2, 3}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable x(Tensor::zeros({1, 3}, Device::kCuda));
  try {
    linear(tape, x, w, ParamView());
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("parameters on cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
