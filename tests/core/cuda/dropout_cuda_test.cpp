// tests/core/cuda/dropout_cuda_test.cpp — dropout on the GPU draws exactly the
// CPU's mask for the same (seed, stream): identical outputs and gradients, and
// the caller's RngStream left in the same state. Eval mode and p = 0 pass x through.
#include "core/ops/dropout.h"

#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkDropout(float p, const Shape& shape) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device) {
    RngStream rng(42, RngPurpose::kDropout, 1024 * 7 + 3);
    // x is used twice so that dx is assigned once and accumulated once.
    return add(tape, dropout(tape, x[0], p, rng, DropoutMode::kTrain), x[0]);
  };
  // The same mask and the same float products on both sides; the tolerance only
  // allows a host compiler that fuses dx += dy * m into one FMA.
  testing::expectOpParity(twin, op, {testing::randomHostTensor(shape, 5)}, ParityTolerance{1e-7f, 1e-6f},
                          ParityTolerance{1e-7f, 1e-6f});
}

TEST(DropoutCuda, SameMaskAsCpuLowRate) { checkDropout(0.1f, {37, 129}); }
TEST(DropoutCuda, SameMaskAsCpuHalf) { checkDropout(0.5f, {3, 5, 7, 11}); }
TEST(DropoutCuda, SameMaskAsCpuOddSize) { checkDropout(0.3f, {1, 1}); }

TEST(DropoutCuda, LeavesTheStreamWhereTheCpuOpDoes) {
  GAPLAB_REQUIRE_GPU();
  const Tensor x = testing::randomHostTensor({10, 13}, 1);
  RngStream a(9, RngPurpose::kDropout, 5), b(9, RngPurpose::kDropout, 5);
  Tape ta(TapeMode::kInference), tb(TapeMode::kInference);
  const Tensor yc = dropout(ta, Variable(x), 0.25f, a, DropoutMode::kTrain).value();
  const Tensor yg = dropout(tb, Variable(x.to(Device::kCuda)), 0.25f, b, DropoutMode::kTrain).value();
  testing::expectTensorsClose(yc, yg, 0.0f, 1e-7f, "output");
  EXPECT_EQ(a.nextU32(), b.nextU32());
}

TEST(DropoutCuda, EvalAndZeroRateReturnTheInput) {
  GAPLAB_REQUIRE_GPU();
  Variable x(testing::randomHostTensor({4, 4}, 2).to(Device::kCuda));
  RngStream rng(1, RngPurpose::kDropout);
  Tape tape;
  EXPECT_EQ(dropout(tape, x, 0.5f, rng, DropoutMode::kEval).value().data(), x.value().data());
  EXPECT_EQ(dropout(tape, x, 0.0f, rng, DropoutMode::kTrain).value().data(), x.value().data());
}

}  // namespace
}  // namespace gaplab
