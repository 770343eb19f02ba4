// tests/core/cuda/moe_cuda_test.cpp — the Mixture-of-Experts op on the GPU
// against the CPU reference: both activations, both gate normalisations, with
// and without capacity dropping, top-1 and all-experts routing, odd sizes
// (width 37 > one warp, 87 tokens), inference, an aux-loss-only backward and the
// routing statistics.
#include "core/ops/moe.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::expectTensorsClose;
using testing::expectVectorsClose;

struct MoeCase {
  int64_t width = 37, hidden = 45, experts = 6, topK = 2;
  Shape xShape{3, 29, 37};
  ExpertActivation activation = ExpertActivation::kGelu;
  RouterNormalization normalization = RouterNormalization::kNone;
  float capacityFactor = 0.0f;
};

struct Side {
  Variable x;
  MoeOutput out;
  MoeStats stats;
};

// The same layer on both devices.
struct MoeTwin {
  testing::TwinArenas twin;
  MoeParams params[2];
  MoeOptions options;
  explicit MoeTwin(const MoeCase& c) {
    const int64_t w1Rows = c.activation == ExpertActivation::kSwiglu ? 2 * c.hidden : c.hidden;
    twin.allocate([&](ParameterArena& arena, Device d) {
      MoeParams& p = params[d == Device::kCpu ? 0 : 1];
      p.router = arena.addParameter("router", {c.experts, c.width}, Init::normal(0.5f));
      p.w1 = arena.addParameter("w1", {c.experts, w1Rows, c.width}, Init::fanIn(c.width));
      p.w2 = arena.addParameter("w2", {c.experts, c.width, c.hidden}, Init::fanIn(c.hidden));
    });
    options.experts = c.experts;
    options.topK = c.topK;
    options.activation = c.activation;
    options.normalization = c.normalization;
    options.capacityFactor = c.capacityFactor;
    options.auxLossCoefficient = 0.3f;  // large enough that a wrong router gradient shows
    options.zLossCoefficient = 0.05f;
  }

  // One forward (and, when `dy` or `dAux` is given, backward) on one device.
  Side run(Device d, const Tensor& x, const Tensor& dy, float dAux, TapeMode mode = TapeMode::kRecord) {
    ParameterArena& arena = d == Device::kCpu ? twin.cpu : twin.gpu;
    arena.zeroGrad();
    Side s;
    s.x = Variable(x.to(d), RequiresGrad::kYes);
    Tape tape(mode);
    s.out = moeFeedForward(tape, s.x, params[d == Device::kCpu ? 0 : 1], options, &s.stats);
    if (mode == TapeMode::kInference) return s;
    if (!dy.defined()) {
      tape.backward(s.out.auxLoss, Tensor::full({}, dAux, d));
      return s;
    }
    if (dAux != 0.0f) {  // seed the aux loss by hand, then start from y
      GradWrite write;
      Tensor g = s.out.auxLoss.gradForWrite(&write);
      if (d == Device::kCpu)
        g.data()[0] = dAux;
      else
        copyHostToDevice(g.data(), &dAux, sizeof(float));
    }
    tape.backward(s.out.y, dy.to(d));
    return s;
  }
};

void expectStatsEqual(const MoeStats& cpu, const MoeStats& gpu) {
  ASSERT_EQ(cpu.tokensPerExpert.size(), gpu.tokensPerExpert.size());
  for (std::size_t e = 0; e < cpu.tokensPerExpert.size(); ++e)
    EXPECT_EQ(cpu.tokensPerExpert[e], gpu.tokensPerExpert[e]) << "expert " << e;
  EXPECT_EQ(cpu.assignments, gpu.assignments);
  EXPECT_EQ(cpu.dropped, gpu.dropped);
  EXPECT_NEAR(gpu.auxLoss, cpu.auxLoss, 1e-5 * std::fabs(cpu.auxLoss));
  EXPECT_NEAR(gpu.zLoss, cpu.zLoss, 1e-5 * std::fabs(cpu.zLoss));
}

// Forward, statistics and every gradient, with both outputs seeded.
void checkMoe(const MoeCase& c) {
  MoeTwin m(c);
  const Tensor x = testing::randomHostTensor(c.xShape, 1);
  const Tensor dy = testing::randomHostTensor(c.xShape, 2);
  Side cpu = m.run(Device::kCpu, x, dy, 1.5f);
  Side gpu = m.run(Device::kCuda, x, dy, 1.5f);
  expectStatsEqual(cpu.stats, gpu.stats);
  if (c.capacityFactor > 0.0f) EXPECT_GT(cpu.stats.dropped, 0) << "the case must drop assignments";
  expectTensorsClose(cpu.out.y.value(), gpu.out.y.value(), 1e-5f, 1e-4f, "y");
  expectTensorsClose(cpu.out.auxLoss.value(), gpu.out.auxLoss.value(), 1e-6f, 1e-5f, "auxLoss");
  expectTensorsClose(cpu.x.grad(), gpu.x.grad(), 1e-4f, 1e-3f, "dx");
  m.twin.expectGradsClose(1e-4f, 1e-3f);
}

using Mode = std::tuple<ExpertActivation, RouterNormalization, float>;

class MoeCudaModes : public ::testing::TestWithParam<Mode> {};

TEST_P(MoeCudaModes, MatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.activation = std::get<0>(GetParam());
  c.normalization = std::get<1>(GetParam());
  c.capacityFactor = std::get<2>(GetParam());
  checkMoe(c);
}

INSTANTIATE_TEST_SUITE_P(
    AllModes, MoeCudaModes,
    ::testing::Combine(::testing::Values(ExpertActivation::kGelu, ExpertActivation::kSwiglu),
                       ::testing::Values(RouterNormalization::kNone, RouterNormalization::kRenormalize),
                       ::testing::Values(0.0f, 0.6f)),
    [](const ::testing::TestParamInfo<Mode>& info) {
      return std::string(std::get<0>(info.param) == ExpertActivation::kGelu ? "Gelu" : "Swiglu") +
             (std::get<1>(info.param) == RouterNormalization::kNone ? "Softmax" : "Renormalized") +
             (std::get<2>(info.param) > 0.0f ? "Capacity" : "Unlimited");
    });

TEST(MoeCuda, TopOneMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.topK = 1;
  c.experts = 5;
  c.xShape = {70, 37};
  checkMoe(c);
}

TEST(MoeCuda, AllExpertsRenormalizedSwigluMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.experts = 3;
  c.topK = 3;
  c.width = 64;
  c.hidden = 33;
  c.xShape = {41, 64};
  c.activation = ExpertActivation::kSwiglu;
  c.normalization = RouterNormalization::kRenormalize;
  checkMoe(c);
}

TEST(MoeCuda, TightCapacityMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.capacityFactor = 0.1f;  // most assignments dropped; every expert keeps a few
  c.activation = ExpertActivation::kSwiglu;
  checkMoe(c);
}

TEST(MoeCuda, AuxLossAloneReachesOnlyTheRouter) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  MoeTwin m(c);
  const Tensor x = testing::randomHostTensor(c.xShape, 3);
  Side cpu = m.run(Device::kCpu, x, Tensor(), 2.0f);
  Side gpu = m.run(Device::kCuda, x, Tensor(), 2.0f);
  expectTensorsClose(cpu.x.grad(), gpu.x.grad(), 1e-5f, 1e-3f, "dx");
  m.twin.expectGradsClose(1e-5f, 1e-3f);
  m.twin.gpu.syncToHost();
  const ParamInfo& w1 = m.twin.gpu.param(m.params[1].w1.index());
  const ParamInfo& w2 = m.twin.gpu.param(m.params[1].w2.index());
  for (int64_t i = w1.offset; i < w2.offset + w2.numel; ++i)
    ASSERT_EQ(m.twin.gpu.gradBuffer()[static_cast<std::size_t>(i)], 0.0f) << "expert gradient at " << i;
}

TEST(MoeCuda, InferenceMatchesCpuAndRecordsNothing) {
  GAPLAB_REQUIRE_GPU();
  for (ExpertActivation act : {ExpertActivation::kGelu, ExpertActivation::kSwiglu}) {
    MoeCase c;
    c.activation = act;
    c.capacityFactor = 0.8f;
    MoeTwin m(c);
    const Tensor x = testing::randomHostTensor(c.xShape, 4);
    Side cpu = m.run(Device::kCpu, x, Tensor(), 0.0f, TapeMode::kInference);
    Side gpu = m.run(Device::kCuda, x, Tensor(), 0.0f, TapeMode::kInference);
    expectStatsEqual(cpu.stats, gpu.stats);
    expectTensorsClose(cpu.out.y.value(), gpu.out.y.value(), 1e-5f, 1e-4f, "y");
    expectTensorsClose(cpu.out.auxLoss.value(), gpu.out.auxLoss.value(), 1e-6f, 1e-5f, "auxLoss");
  }
}

TEST(MoeCuda, ParameterGradientsAccumulateAndRunsRepeat) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.normalization = RouterNormalization::kRenormalize;
  MoeTwin m(c);
  const Tensor x = testing::randomHostTensor(c.xShape, 5);
  const Tensor dy = testing::randomHostTensor(c.xShape, 6);
  m.run(Device::kCuda, x, dy, 1.0f);
  m.twin.gpu.syncToHost();
  const std::vector<float> once(m.twin.gpu.gradBuffer().begin(), m.twin.gpu.gradBuffer().end());
  // Same call again without zeroing: every parameter gradient doubles, bit for bit
  // (the device kernels and cuBLAS products repeat exactly).
  ParameterArena& arena = m.twin.gpu;
  arena.zeroGrad();
  Variable xv(x.to(Device::kCuda), RequiresGrad::kYes);
  for (int i = 0; i < 2; ++i) {
    Tape tape;
    MoeOutput out = moeFeedForward(tape, xv, m.params[1], m.options);
    GradWrite write;
    const float one = 1.0f;
    copyHostToDevice(out.auxLoss.gradForWrite(&write).data(), &one, sizeof(float));
    tape.backward(out.y, dy.to(Device::kCuda));
  }
  arena.syncToHost();
  std::vector<float> twice(arena.gradBuffer().begin(), arena.gradBuffer().end());
  for (float& v : twice) v *= 0.5f;
  expectVectorsClose(once, twice, 0.0f, 1e-6f, "accumulated gradients / 2");
}

// The input used twice (two tapes, no zeroing): the second backward adds to dx
// (GradWrite::kAccumulate: the accumulating router product, then the scatter-add),
// and the parameter gradients add up, on both devices alike.
TEST(MoeCuda, InputGradientOfASecondUseAccumulatesLikeCpu) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.capacityFactor = 0.6f;
  c.normalization = RouterNormalization::kRenormalize;
  MoeTwin m(c);
  const Tensor x = testing::randomHostTensor(c.xShape, 11);
  const Tensor dy = testing::randomHostTensor(c.xShape, 12);
  Variable xs[2];
  for (int side = 0; side < 2; ++side) {
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    (side == 0 ? m.twin.cpu : m.twin.gpu).zeroGrad();
    xs[side] = Variable(x.to(d), RequiresGrad::kYes);
    for (int i = 0; i < 2; ++i) {
      Tape tape;
      MoeOutput out = moeFeedForward(tape, xs[side], m.params[side], m.options);
      tape.backward(out.y, dy.to(d));
    }
  }
  expectTensorsClose(xs[0].grad(), xs[1].grad(), 1e-4f, 1e-3f, "dx after two uses");
  m.twin.expectGradsClose(1e-4f, 1e-3f);
}

// An input that needs no gradient: no dx (the dxs product is skipped), the
// parameters still get theirs.
TEST(MoeCuda, ConstantInputStillGivesParameterGradients) {
  GAPLAB_REQUIRE_GPU();
  MoeCase c;
  c.activation = ExpertActivation::kSwiglu;
  MoeTwin m(c);
  const Tensor x = testing::randomHostTensor(c.xShape, 13);
  const Tensor dy = testing::randomHostTensor(c.xShape, 14);
  for (int side = 0; side < 2; ++side) {
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    (side == 0 ? m.twin.cpu : m.twin.gpu).zeroGrad();
    Variable xv(x.to(d), RequiresGrad::kNo);
    Tape tape;
    MoeOutput out = moeFeedForward(tape, xv, m.params[side], m.options);
    tape.backward(out.y, dy.to(d));
    EXPECT_FALSE(xv.hasGrad());
  }
  m.twin.expectGradsClose(1e-4f, 1e-3f);
}

TEST(MoeCuda, InputOnCudaWithParametersOnCpuIsRefused) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  MoeParams p;
  p.router = arena.addParameter("router", {2, 3}, Init::zeros());
  p.w1 = arena.addParameter("w1", {2, 4, 3}, Init::zeros());
  p.w2 = arena.addParameter("w2", {2, 3, 4}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  MoeOptions o;
  o.experts = 2;
  o.topK = 1;
  Tape tape;
  Variable x(Tensor::zeros({5, 3}, Device::kCuda));
  try {
    moeFeedForward(tape, x, p, o);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("parameters on cpu"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gaplab
