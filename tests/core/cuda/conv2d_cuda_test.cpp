// tests/core/cuda/conv2d_cuda_test.cpp — conv2d on the GPU against the CPU
// reference: padded and strided, non-square kernels with per-axis geometry,
// N == 1, 1x1 kernels, with and without bias, and an input used twice.
#include "core/ops/conv2d.h"

#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkConv(const Shape& xShape, const Shape& wShape, Conv2dGeometry geometry, bool withBias, bool twice = false) {
  GAPLAB_REQUIRE_GPU();
  const int64_t fanIn = wShape[1] * wShape[2] * wShape[3];
  testing::TwinArenas twin;
  ParamView w[2], b[2];
  twin.allocate([&](ParameterArena& arena, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    w[side] = arena.addParameter("conv.weight", wShape, Init::fanIn(fanIn));
    if (withBias) b[side] = arena.addParameter("conv.bias", {wShape[0]}, Init::fanIn(fanIn), WeightDecay::kSkip);
  });
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device d) {
    const int side = d == Device::kCpu ? 0 : 1;
    Variable y = conv2d(tape, x[0], w[side], b[side], geometry);
    return twice ? add(tape, y, conv2d(tape, x[0], w[side], b[side], geometry)) : y;
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor(xShape, 2)}, ParityTolerance{1e-4f, 1e-4f},
                          ParityTolerance{3e-4f, 1e-3f});
}

TEST(Conv2dCuda, PaddedThreeByThree) { checkConv({2, 3, 9, 11}, {5, 3, 3, 3}, {1, 1, 1, 1}, true); }
TEST(Conv2dCuda, StridedNonSquare) { checkConv({3, 4, 10, 7}, {6, 4, 3, 2}, {2, 1, 1, 0}, true); }
TEST(Conv2dCuda, StrideTwoWithPadding) { checkConv({2, 2, 8, 8}, {3, 2, 5, 5}, {2, 2, 2, 2}, false); }
TEST(Conv2dCuda, SingleExample) { checkConv({1, 3, 6, 5}, {4, 3, 3, 3}, {1, 1, 1, 1}, true); }
TEST(Conv2dCuda, OneByOne) { checkConv({4, 16, 5, 5}, {8, 16, 1, 1}, {1, 1, 0, 0}, true); }
TEST(Conv2dCuda, InputAndWeightsUsedTwice) { checkConv({2, 3, 7, 7}, {4, 3, 3, 3}, {1, 1, 1, 1}, true, true); }

TEST(Conv2dCuda, InputOnCudaWithParametersOnCpuIsRefused) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {2, 1, 3, 3}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable x(Tensor::zeros({1, 1, 5, 5}, Device::kCuda));
  EXPECT_THROW(conv2d(tape, x, w, ParamView()), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
