// tests/core/ops/grad_check.h — finite-difference gradient check for any op.
//
// Why: every op's backward is checked the same way. The output is reduced to a
// scalar with a fixed random projection R (loss = sum(y * R)), the tape is seeded
// with R, and each analytic gradient (inputs and arena parameters) is compared
// with a central difference of that loss, computed in double.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"
#include "core/rng.h"

namespace gaplab::testing {

using OpUnderTest = std::function<Variable(Tape&, std::vector<Variable>&)>;

inline Tensor randomTensor(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  Tensor t = Tensor::empty(shape);
  RngStream rng(seed, RngPurpose::kSynthetic, 77);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = scale * rng.normal();
  return t;
}

inline double projectedLoss(const Tensor& y, const Tensor& r) {
  double s = 0.0;
  for (int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.data()[i]) * r.data()[i];
  return s;
}

struct GradCheckOptions {
  float eps = 1e-3f;
  double relTol = 2e-2;
  double absTol = 2e-3;
  int maxChecksPerTensor = 48;  // large tensors are checked at random positions
};

// Checks d(sum(f(inputs) * R))/d(input) for every input and every arena parameter.
inline void expectGradientsMatch(ParameterArena& arena, std::vector<Tensor> inputs, const OpUnderTest& f,
                                 GradCheckOptions options = {}) {
  // Analytic pass.
  std::vector<Variable> vars;
  for (Tensor& t : inputs) vars.emplace_back(t, RequiresGrad::kYes);
  Tape tape;
  arena.zeroGrad();
  Variable y = f(tape, vars);
  const Tensor r = randomTensor(y.shape(), 991);
  tape.backward(y, r);

  auto lossAt = [&]() {
    std::vector<Variable> v;
    for (Tensor& t : inputs) v.emplace_back(t, RequiresGrad::kYes);
    Tape inference(TapeMode::kInference);
    return projectedLoss(f(inference, v).value(), r);
  };
  auto checkBuffer = [&](float* data, const float* analytic, int64_t n, const std::string& what) {
    RngStream pick(5, RngPurpose::kSynthetic, static_cast<uint64_t>(n));
    const int checks = static_cast<int>(std::min<int64_t>(n, options.maxChecksPerTensor));
    for (int c = 0; c < checks; ++c) {
      const int64_t i = n <= options.maxChecksPerTensor ? c : static_cast<int64_t>(pick.below(static_cast<uint64_t>(n)));
      const float saved = data[i];
      data[i] = saved + options.eps;
      const double up = lossAt();
      data[i] = saved - options.eps;
      const double down = lossAt();
      data[i] = saved;
      const double numeric = (up - down) / (2.0 * options.eps);
      const double a = analytic ? analytic[i] : 0.0;
      EXPECT_NEAR(a, numeric, options.absTol + options.relTol * std::abs(numeric))
          << what << " element " << i;
    }
  };
  for (std::size_t k = 0; k < inputs.size(); ++k)
    checkBuffer(inputs[k].data(), vars[k].hasGrad() ? vars[k].grad().data() : nullptr, inputs[k].numel(),
                "input " + std::to_string(k));
  std::vector<float> analyticParams(arena.grads(), arena.grads() + arena.size());
  for (const ParamInfo& p : arena.params())
    checkBuffer(arena.values() + p.offset, analyticParams.data() + p.offset, p.numel, "parameter " + p.name);
}

}  // namespace gaplab::testing
