// core/nn/layer_norm_layer.h — LayerNorm over the last axis.
#pragma once

#include "core/nn/module.h"
#include "core/ops/layer_norm.h"

namespace gaplab {

class LayerNormLayer final : public Module {
 public:
  LayerNormLayer(ParameterArena& arena, const std::string& name, int64_t features) : features_(features) {
    gamma_ = arena.addParameter(name + ".weight", {features}, Init::ones(), WeightDecay::kSkip);
    beta_ = arena.addParameter(name + ".bias", {features}, Init::zeros(), WeightDecay::kSkip);
  }
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    return layerNorm(tape, x, gamma_, beta_);
  }
  std::string describe() const override { return "LayerNorm(" + std::to_string(features_) + ")"; }

 private:
  int64_t features_;
  ParamView gamma_, beta_;
};

}  // namespace gaplab
