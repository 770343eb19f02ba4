// core/nn/dropout_layer.h — inverted dropout whose mask depends only on
// (seed, step, layer index): reproducible whatever else draws random numbers.
#pragma once

#include "core/nn/module.h"
#include "core/ops/dropout.h"
#include "core/rng.h"

namespace gaplab {

class DropoutLayer final : public Module {
 public:
  DropoutLayer(float probability, uint64_t layerIndex) : probability_(probability), layerIndex_(layerIndex) {}
  Variable forward(Tape& tape, const Variable& x, const ForwardContext& context) override {
    if (context.mode == NormMode::kEval || probability_ == 0.0f) return x;
    RngStream rng(context.seed, RngPurpose::kDropout,
                  static_cast<uint64_t>(context.step) * kMaxDropoutLayers + layerIndex_);
    return dropout(tape, x, probability_, rng, DropoutMode::kTrain);
  }
  std::string describe() const override { return "Dropout(" + std::to_string(probability_) + ")"; }

 private:
  static constexpr uint64_t kMaxDropoutLayers = 1024;
  float probability_;
  uint64_t layerIndex_;
};

}  // namespace gaplab
