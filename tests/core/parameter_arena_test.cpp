// tests/core/parameter_arena_test.cpp — flat layout, initialisation, views, optimizer state and life-cycle errors.
#include "core/parameter_arena.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

template <class F>
std::string logicErrorOf(F&& action) {
  try {
    action();
  } catch (const std::logic_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected std::logic_error";
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void allocate(ParameterArena& arena, uint64_t seed = 1) {
  RngStream rng(seed, RngPurpose::kInit);
  arena.allocate(rng);
}

TEST(ParameterArena, OffsetsAreContiguousInDeclarationOrder) {
  ParameterArena arena;
  ParamView a = arena.addParameter("a", {2, 3}, Init::zeros());
  ParamView b = arena.addParameter("b", {4}, Init::zeros());
  ParamView c = arena.addParameter("c", {1, 2, 5}, Init::zeros());
  EXPECT_EQ(arena.size(), 6 + 4 + 10);
  ASSERT_EQ(arena.params().size(), 3u);
  EXPECT_EQ(arena.param(0).offset, 0);
  EXPECT_EQ(arena.param(1).offset, 6);
  EXPECT_EQ(arena.param(2).offset, 10);
  EXPECT_EQ(arena.param(2).numel, 10);
  EXPECT_EQ(arena.param(1).name, "b");
  EXPECT_EQ(arena.param(2).shape, (Shape{1, 2, 5}));
  allocate(arena);
  EXPECT_EQ(a.value(), arena.values());
  EXPECT_EQ(b.value(), arena.values() + 6);
  EXPECT_EQ(c.value(), arena.values() + 10);
  EXPECT_EQ(c.grad(), arena.grads() + 10);
  EXPECT_EQ(b.numel(), 4);
  EXPECT_EQ(&b.info(), &arena.param(1));
}

TEST(ParameterArena, BuffersAreFlatAndAlignedLikeParameters) {
  ParameterArena arena;
  arena.addParameter("w", {3, 7}, Init::zeros());
  allocate(arena);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(arena.values()) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(arena.grads()) % 64, 0u);
  EXPECT_EQ(arena.valueBuffer().size(), 21u);
  EXPECT_EQ(arena.gradBuffer().size(), 21u);
}

TEST(ParameterArena, ViewsAreTensorsOverTheArena) {
  ParameterArena arena;
  arena.addParameter("skip", {3}, Init::zeros());
  ParamView w = arena.addParameter("w", {2, 2}, Init::ones());
  allocate(arena);
  EXPECT_FALSE(ParamView().defined());
  EXPECT_TRUE(w.defined());
  Tensor v = w.valueTensor();
  EXPECT_EQ(v.shape(), (Shape{2, 2}));
  EXPECT_EQ(v.data(), arena.values() + 3);
  v.data()[1] = 5.0f;
  EXPECT_FLOAT_EQ(arena.values()[4], 5.0f);
  Tensor g = w.gradTensor();
  EXPECT_EQ(g.data(), arena.grads() + 3);
  EXPECT_EQ(g.shape(), (Shape{2, 2}));
}

TEST(ParameterArena, ZerosAndOnesInitialiseExactly) {
  ParameterArena arena;
  ParamView z = arena.addParameter("z", {5}, Init::zeros());
  ParamView o = arena.addParameter("o", {5}, Init::ones());
  allocate(arena);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(z.value()[i], 0.0f);
    EXPECT_EQ(o.value()[i], 1.0f);
  }
}

TEST(ParameterArena, UniformStaysWithinItsBoundAndSpreadsOverIt) {
  ParameterArena arena;
  ParamView u = arena.addParameter("u", {100, 100}, Init::uniform(0.3f));
  allocate(arena);
  float lo = 1.0f, hi = -1.0f;
  double sum = 0.0;
  for (int64_t i = 0; i < u.numel(); ++i) {
    const float v = u.value()[i];
    ASSERT_GE(v, -0.3f);
    ASSERT_LE(v, 0.3f);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  EXPECT_LT(lo, -0.29f);
  EXPECT_GT(hi, 0.29f);
  EXPECT_NEAR(sum / static_cast<double>(u.numel()), 0.0, 0.01);
}

TEST(ParameterArena, NormalHasTheRequestedStandardDeviation) {
  ParameterArena arena;
  ParamView n = arena.addParameter("n", {200, 100}, Init::normal(0.02f));
  allocate(arena);
  double sum = 0.0, sumSq = 0.0;
  for (int64_t i = 0; i < n.numel(); ++i) {
    sum += n.value()[i];
    sumSq += static_cast<double>(n.value()[i]) * n.value()[i];
  }
  const double count = static_cast<double>(n.numel());
  const double mean = sum / count;
  EXPECT_NEAR(mean, 0.0, 0.001);
  EXPECT_NEAR(std::sqrt(sumSq / count - mean * mean), 0.02, 0.001);
}

TEST(ParameterArena, FanInIsPyTorchsUniformBound) {
  Init init = Init::fanIn(16);
  EXPECT_EQ(init.kind, InitKind::kUniform);
  EXPECT_FLOAT_EQ(init.scale, 0.25f);
  EXPECT_FLOAT_EQ(Init::fanIn(0).scale, 1.0f);  // clamped to fan-in 1
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {64, 100}, Init::fanIn(100));
  allocate(arena);
  float maxAbs = 0.0f;
  for (int64_t i = 0; i < w.numel(); ++i) maxAbs = std::max(maxAbs, std::fabs(w.value()[i]));
  EXPECT_LE(maxAbs, 0.1f);
  EXPECT_GT(maxAbs, 0.09f);
}

TEST(ParameterArena, InitIsDeterministicPerSeed) {
  auto build = [](uint64_t seed) {
    ParameterArena arena;
    arena.addParameter("a", {50}, Init::uniform(1.0f));
    arena.addParameter("b", {50}, Init::normal(1.0f));
    allocate(arena, seed);
    return std::vector<float>(arena.values(), arena.values() + arena.size());
  };
  EXPECT_EQ(build(3), build(3));
  EXPECT_NE(build(3), build(4));
}

TEST(ParameterArena, WeightDecayFlagAndInitAreKept) {
  ParameterArena arena;
  arena.addParameter("w", {2, 2}, Init::normal(0.5f));
  arena.addParameter("b", {2}, Init::zeros(), WeightDecay::kSkip);
  EXPECT_EQ(arena.param(0).decay, WeightDecay::kApply);
  EXPECT_EQ(arena.param(1).decay, WeightDecay::kSkip);
  EXPECT_EQ(arena.param(0).init.kind, InitKind::kNormal);
  EXPECT_FLOAT_EQ(arena.param(0).init.scale, 0.5f);
}

TEST(ParameterArena, BuffersGetTheirInitialValuesAndOwnLayout) {
  ParameterArena arena;
  arena.addParameter("w", {3}, Init::zeros());
  BufferView mean = arena.addBuffer("mean", {4}, 0.0f);
  BufferView var = arena.addBuffer("var", {2, 2}, 1.0f);
  ASSERT_EQ(arena.buffers().size(), 2u);
  EXPECT_EQ(arena.buffer(0).offset, 0);
  EXPECT_EQ(arena.buffer(1).offset, 4);
  EXPECT_EQ(arena.buffer(1).name, "var");
  EXPECT_FLOAT_EQ(arena.buffer(1).initialValue, 1.0f);
  allocate(arena);
  EXPECT_EQ(arena.size(), 3);  // buffers are not parameters
  EXPECT_EQ(arena.bufferStorage().size(), 8u);
  EXPECT_EQ(mean.numel(), 4);
  EXPECT_EQ(var.data(), arena.bufferStorage().data() + 4);
  EXPECT_EQ(mean.tensor().toVector(), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(var.tensor().toVector(), (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(var.tensor().shape(), (Shape{2, 2}));
  EXPECT_FALSE(BufferView().defined());
}

TEST(ParameterArena, GradientsStartAtZeroAndZeroGradClearsThemAll) {
  ParameterArena arena;
  ParamView a = arena.addParameter("a", {3}, Init::ones());
  ParamView b = arena.addParameter("b", {2}, Init::ones());
  allocate(arena);
  for (int64_t i = 0; i < arena.size(); ++i) EXPECT_EQ(arena.grads()[i], 0.0f);
  a.grad()[0] = 1.0f;
  b.grad()[1] = -2.0f;
  arena.zeroGrad();
  for (int64_t i = 0; i < arena.size(); ++i) EXPECT_EQ(arena.grads()[i], 0.0f);
  EXPECT_EQ(a.value()[0], 1.0f);  // values untouched
}

TEST(ParameterArena, StateIsZeroedSizedLikeTheParametersAndPersistent) {
  ParameterArena arena;
  arena.addParameter("a", {3, 3}, Init::ones());
  arena.addParameter("b", {3}, Init::ones());
  allocate(arena);
  float* m = arena.state("adam.m");
  ASSERT_EQ(arena.states().at("adam.m").size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(m[i], 0.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m) % 64, 0u);
  m[5] = 3.0f;
  float* again = arena.state("adam.m");
  EXPECT_EQ(again, m);
  EXPECT_EQ(again[5], 3.0f);  // not re-zeroed
  float* v = arena.state("adam.v");
  EXPECT_NE(v, m);
  EXPECT_EQ(v[5], 0.0f);
  EXPECT_EQ(arena.states().size(), 2u);
}

TEST(ParameterArena, AddParameterAfterAllocateThrows) {
  ParameterArena arena;
  arena.addParameter("a", {2}, Init::zeros());
  allocate(arena);
  std::string message = logicErrorOf([&] { arena.addParameter("late", {2}, Init::zeros()); });
  EXPECT_TRUE(contains(message, "'late'")) << message;
  EXPECT_TRUE(contains(message, "after allocate")) << message;
  message = logicErrorOf([&] { arena.addBuffer("late_buffer", {2}, 0.0f); });
  EXPECT_TRUE(contains(message, "'late_buffer'")) << message;
  EXPECT_EQ(arena.params().size(), 1u);
}

TEST(ParameterArena, AllocateTwiceThrows) {
  ParameterArena arena;
  arena.addParameter("a", {2}, Init::zeros());
  EXPECT_FALSE(arena.allocated());
  allocate(arena);
  EXPECT_TRUE(arena.allocated());
  std::string message = logicErrorOf([&] { allocate(arena); });
  EXPECT_TRUE(contains(message, "twice")) << message;
}

TEST(ParameterArena, StateBeforeAllocateThrows) {
  ParameterArena arena;
  arena.addParameter("a", {2}, Init::zeros());
  std::string message = logicErrorOf([&] { arena.state("sgd.momentum"); });
  EXPECT_TRUE(contains(message, "state before allocate")) << message;
  EXPECT_TRUE(arena.states().empty());
}

TEST(ParameterArena, EmptyArenaAllocates) {
  ParameterArena arena;
  allocate(arena);
  EXPECT_EQ(arena.size(), 0);
  EXPECT_TRUE(arena.allocated());
  arena.zeroGrad();
}

}  // namespace
}  // namespace gaplab
