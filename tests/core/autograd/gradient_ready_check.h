// tests/core/autograd/gradient_ready_check.h — an observer for model tests:
// every parameter must be reported exactly once, and its gradient must not
// change after the report (else an op forgot Op::forEachParameter).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/autograd/gradient_ready.h"
#include "core/parameter_arena.h"

namespace gaplab::testing {

class FinalGradientCheck final : public GradientReadyObserver {
 public:
  explicit FinalGradientCheck(const ParameterArena& arena)
      : arena_(arena), snapshots_(arena.params().size()), reports_(arena.params().size(), 0) {}
  const ParameterArena& observedArena() const override { return arena_; }
  void onParameterGradientReady(int index) override {
    const ParamInfo& p = arena_.param(index);
    ++reports_.at(static_cast<std::size_t>(index));
    snapshots_[static_cast<std::size_t>(index)].assign(arena_.grads() + p.offset, arena_.grads() + p.offset + p.numel);
    order_.push_back(index);
  }
  // After backward: each parameter reported once, with its final gradient.
  void expectAllFinal() const {
    for (std::size_t i = 0; i < reports_.size(); ++i) {
      const ParamInfo& p = arena_.params()[i];
      EXPECT_EQ(reports_[i], 1) << p.name << " reported " << reports_[i] << " times";
      const std::vector<float> final(arena_.grads() + p.offset, arena_.grads() + p.offset + p.numel);
      EXPECT_EQ(snapshots_[i], final) << "the gradient of " << p.name << " changed after it was reported ready";
    }
  }
  const std::vector<int>& order() const { return order_; }

 private:
  const ParameterArena& arena_;
  std::vector<std::vector<float>> snapshots_;
  std::vector<int> reports_;
  std::vector<int> order_;
};

}  // namespace gaplab::testing
