// tests/core/cuda/linear_cuda_test.cpp — linear on the GPU against the CPU
// reference: plain, with ReLU and with GELU fused, 2-D and 3-D inputs.
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
