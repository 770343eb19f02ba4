// tests/core/cuda/swiglu_cuda_test.cpp — SwiGLU on the GPU against the CPU
// reference: odd and model-like widths, large inputs (saturated sigmoid),
// inference mode and an input gradient that is written, then accumulated.
#include "core/ops/swiglu.h"

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

void checkSwiglu(const Shape& xShape, float scale) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) { return swiglu(tape, x[0]); };
  testing::expectOpParity(twin, op, {testing::randomHostTensor(xShape, 1, scale)}, ParityTolerance{1e-5f, 1e-4f},
                          ParityTolerance{1e-5f, 1e-4f});
}

TEST(SwigluCuda, MatchesCpuOnOddShape) { checkSwiglu({7, 48}, 1.0f); }
TEST(SwigluCuda, MatchesCpuOnOddRank3Shape) { checkSwiglu({3, 5, 74}, 1.0f); }
TEST(SwigluCuda, MatchesCpuOnModelShape) { checkSwiglu({4, 128, 1024}, 1.0f); }
TEST(SwigluCuda, MatchesCpuOnLargeInputs) { checkSwiglu({9, 66}, 12.0f); }
TEST(SwigluCuda, MatchesCpuOnOneElementGate) { checkSwiglu({5, 2}, 1.0f); }

TEST(SwigluCuda, MatchesCpuInInference) {
  GAPLAB_REQUIRE_GPU();
  const Tensor x = testing::randomHostTensor({6, 70}, 2);
  Tape cpuTape(TapeMode::kInference), gpuTape(TapeMode::kInference);
  const Variable yc = swiglu(cpuTape, Variable(x));
  const Variable yg = swiglu(gpuTape, Variable(x.to(Device::kCuda)));
  EXPECT_EQ(gpuTape.size(), 0u);
  testing::expectTensorsClose(yc.value(), yg.value(), 1e-5f, 1e-4f, "output");
}

TEST(SwigluCuda, InputGradientIsWrittenThenAccumulated) {
  GAPLAB_REQUIRE_GPU();
  const Tensor x = testing::randomHostTensor({11, 2, 42}, 3);
  const Tensor dy = testing::randomHostTensor({11, 2, 21}, 4);
  auto twoPasses = [&](Device dev) {
    Variable xv(x.to(dev), RequiresGrad::kYes);
    for (int pass = 0; pass < 2; ++pass) {
      Tape tape;
      Variable y = swiglu(tape, xv);
      tape.backward(y, dy.to(dev));
    }
    return xv.grad().toVector();
  };
  testing::expectVectorsClose(twoPasses(Device::kCpu), twoPasses(Device::kCuda), 1e-5f, 1e-4f, "dx");
}

}  // namespace
}  // namespace gaplab
