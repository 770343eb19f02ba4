// core/nn/linear_layer.h — a fully connected layer (PyTorch's default init), with an
// optional fused activation.
#pragma once

#include "core/nn/module.h"
#include "core/ops/linear.h"

namespace gaplab {

enum class UseBias { kYes, kNo };

class LinearLayer final : public Module {
 public:
  LinearLayer(ParameterArena& arena, const std::string& name, int64_t in, int64_t out, UseBias bias = UseBias::kYes,
              FusedActivation activation = FusedActivation::kNone)
      : in_(in), out_(out), activation_(activation) {
    weight_ = arena.addParameter(name + ".weight", {out, in}, Init::fanIn(in));
    if (bias == UseBias::kYes) bias_ = arena.addParameter(name + ".bias", {out}, Init::fanIn(in), WeightDecay::kSkip);
  }
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    return linear(tape, x, weight_, bias_, activation_);
  }
  std::string describe() const override {
    const char* act = activation_ == FusedActivation::kRelu ? "+ReLU" : activation_ == FusedActivation::kGelu ? "+GELU" : "";
    return "Linear(" + std::to_string(in_) + "->" + std::to_string(out_) + ")" + act;
  }

 private:
  int64_t in_, out_;
  FusedActivation activation_;
  ParamView weight_, bias_;
};

}  // namespace gaplab
