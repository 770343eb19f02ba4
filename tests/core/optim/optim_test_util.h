// tests/core/optim/optim_test_util.h — small arenas and checks for the optimizer tests.
//
// Why: every optimizer test needs the same two-parameter arena (a decayed
// weight and a bias that skips weight decay) with hand-set values and grads,
// and the same check that a result does not depend on the thread count.
#pragma once

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/parameter_arena.h"
#include "core/rng.h"

namespace gaplab::testing {

// Enough elements for Eigen's vector loop plus a scalar tail, so hand-computed
// cases check the vectorised path too (every element gets the same numbers).
constexpr int64_t kWide = 37;

// An arena with "w" (WeightDecay::kApply) and "b" (WeightDecay::kSkip) of the given sizes.
struct TwoParamArena {
  ParameterArena arena;
  ParamView w;
  ParamView b;
  TwoParamArena(int64_t wSize, int64_t bSize) {
    w = arena.addParameter("w", {wSize}, Init::zeros());
    b = arena.addParameter("b", {bSize}, Init::zeros(), WeightDecay::kSkip);
    RngStream rng(1, RngPurpose::kInit);
    arena.allocate(rng);
  }
  // Element i of w gets wv[i % wv.size()], likewise for b.
  void setValues(const std::vector<float>& wv, const std::vector<float>& bv) {
    fill(w.value(), w.numel(), wv);
    fill(b.value(), b.numel(), bv);
  }
  void setGrads(const std::vector<float>& wg, const std::vector<float>& bg) {
    fill(w.grad(), w.numel(), wg);
    fill(b.grad(), b.numel(), bg);
  }
  static void fill(float* dst, int64_t n, const std::vector<float>& pattern) {
    for (int64_t i = 0; i < n; ++i) dst[i] = pattern[static_cast<std::size_t>(i) % pattern.size()];
  }
};

// Expects every element of `view` to be within `tol` of expected[i % expected.size()].
inline void expectValues(const ParamView& view, const std::vector<float>& expected, float tol) {
  for (int64_t i = 0; i < view.numel(); ++i) {
    ASSERT_NEAR(view.value()[i], expected[static_cast<std::size_t>(i) % expected.size()], tol)
        << view.info().name << "[" << i << "]";
  }
}

// Expects f() to throw std::invalid_argument whose what() equals `message`.
template <class F>
void expectInvalidArgument(F&& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument: " << message;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

// Runs `steps` optimizer steps with random gradients on a model-sized arena
// (several blocks, odd sizes, both decay modes) using `threads` threads, and
// returns the model's values followed by every optimizer state. `leadingPad`
// puts a kSkip parameter of that many elements in front of the model, which
// shifts the model's memory alignment without changing its blocks.
template <class MakeOptimizer>
std::vector<float> trainModel(int threads, int64_t leadingPad, MakeOptimizer makeOptimizer, int steps = 3) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  ParameterArena arena;
  if (leadingPad > 0) arena.addParameter("pad", {leadingPad}, Init::zeros(), WeightDecay::kSkip);
  arena.addParameter("w1", {97, 301}, Init::zeros());
  arena.addParameter("b1", {301}, Init::zeros(), WeightDecay::kSkip);
  arena.addParameter("w2", {301, 53}, Init::zeros());
  RngStream rng(7, RngPurpose::kInit);
  arena.allocate(rng);
  auto& values = arena.valueBuffer();
  for (std::size_t i = static_cast<std::size_t>(leadingPad); i < values.size(); ++i) values[i] = 0.1f * rng.normal();
  RngStream grads(8, RngPurpose::kSynthetic);
  auto optimizer = makeOptimizer();
  for (int s = 0; s < steps; ++s) {
    auto& g = arena.gradBuffer();
    for (std::size_t i = static_cast<std::size_t>(leadingPad); i < g.size(); ++i) g[i] = grads.normal();
    optimizer.step(arena, 0.01f);
  }
  omp_set_num_threads(saved);
  std::vector<float> out(values.begin() + leadingPad, values.end());
  for (const auto& [name, state] : arena.states()) out.insert(out.end(), state.begin() + leadingPad, state.end());
  return out;
}

// Expects the same bits for 1 and 3 threads and for shifted buffer alignments.
template <class MakeOptimizer>
void expectSameForThreadsAndAlignment(MakeOptimizer makeOptimizer) {
  const std::vector<float> reference = trainModel(1, 0, makeOptimizer);
  EXPECT_EQ(reference, trainModel(3, 0, makeOptimizer)) << "3 threads";
  EXPECT_EQ(reference, trainModel(1, 1, makeOptimizer)) << "shifted by 1 float";
  EXPECT_EQ(reference, trainModel(3, 3, makeOptimizer)) << "3 threads, shifted by 3 floats";
}

}  // namespace gaplab::testing
