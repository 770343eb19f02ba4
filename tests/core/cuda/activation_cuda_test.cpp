// tests/core/cuda/activation_cuda_test.cpp — stand-alone ReLU and GELU on the GPU
// against the CPU reference, on sizes that are not multiples of a block, and
// with inputs that hit exact zeros (the ReLU boundary).
#include "core/ops/activation.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkActivation(bool useGelu, const Shape& shape) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device) { return useGelu ? gelu(tape, x[0]) : relu(tape, x[0]); };
  Tensor x = testing::randomHostTensor(shape, 6, 3.0f);
  for (int64_t i = 0; i < x.numel(); i += 7) x.data()[i] = 0.0f;
  testing::expectOpParity(twin, op, {x}, ParityTolerance{1e-6f, 1e-5f}, ParityTolerance{1e-6f, 1e-5f});
}

TEST(ActivationCuda, ReluMatchesCpu) { checkActivation(false, {3, 1000, 7}); }
TEST(ActivationCuda, ReluMatchesCpuTiny) { checkActivation(false, {5}); }
TEST(ActivationCuda, GeluMatchesCpu) { checkActivation(true, {33, 257}); }
TEST(ActivationCuda, GeluMatchesCpuOnImages) { checkActivation(true, {2, 3, 5, 7}); }

TEST(ActivationCuda, InferenceTapeRecordsNothing) {
  GAPLAB_REQUIRE_GPU();
  Tape tape(TapeMode::kInference);
  Variable y = gelu(tape, Variable(testing::randomHostTensor({4, 4}, 1).to(Device::kCuda)));
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_EQ(y.value().device(), Device::kCuda);
  EXPECT_FALSE(y.requiresGrad());
}

}  // namespace
}  // namespace gaplab
