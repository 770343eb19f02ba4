// tests/core/cuda/reshape_cuda_test.cpp — reshape of a cuda activation: the view
// stays on the GPU and shares storage, and its gradient (first write and
// accumulation) matches the CPU reference.
#include "core/ops/reshape.h"

#include "core/ops/activation.h"
#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

TEST(ReshapeCuda, ViewStaysOnTheGpu) {
  GAPLAB_REQUIRE_GPU();
  Tape tape;
  Variable x(testing::randomHostTensor({4, 6, 5}, 1).to(Device::kCuda), RequiresGrad::kYes);
  Variable y = reshape(tape, x, {-1, 5});
  EXPECT_EQ(y.value().device(), Device::kCuda);
  EXPECT_EQ(y.shape(), (Shape{24, 5}));
  EXPECT_EQ(y.value().data(), x.value().data());
}

TEST(ReshapeCuda, GradientMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  // Two reshapes of one input meet in an add: dx is assigned, then accumulated.
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, relu(tape, reshape(tape, x[0], {-1, 5})), reshape(tape, x[0], {24, 5}));
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({4, 6, 5}, 2)}, ParityTolerance{0.0f, 1e-7f},
                          ParityTolerance{0.0f, 1e-7f});
}

}  // namespace
}  // namespace gaplab
