// tests/core/cuda/add_cuda_test.cpp — the residual add on the GPU against the
// CPU reference, including fan-out (one input used twice, so its gradient is
// assigned once and accumulated once) and mixed devices being refused.
#include "core/ops/add.h"

#include "core/ops/activation.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

TEST(AddCuda, MatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) { return add(tape, x[0], x[1]); };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({7, 301}, 1), testing::randomHostTensor({7, 301}, 2)},
                          ParityTolerance{0.0f, 1e-7f}, ParityTolerance{0.0f, 1e-7f});
}

TEST(AddCuda, FanOutAccumulatesLikeCpu) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  // x feeds relu, gelu and the add itself: three writes into dx.
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, add(tape, relu(tape, x[0]), gelu(tape, x[0])), x[0]);
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({3, 5, 67}, 3)}, ParityTolerance{1e-6f, 1e-5f},
                          ParityTolerance{1e-6f, 1e-5f});
}

TEST(AddCuda, SameVariableOnBothSides) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) { return add(tape, x[0], x[0]); };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({1000}, 4)}, ParityTolerance{0.0f, 1e-7f},
                          ParityTolerance{0.0f, 1e-7f});
}

TEST(AddCuda, MixedDevicesAreRefused) {
  GAPLAB_REQUIRE_GPU();
  Tape tape;
  Variable a(Tensor::zeros({2, 3}, Device::kCuda)), b(Tensor::zeros({2, 3}));
  EXPECT_THROW(add(tape, a, b), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
