// core/nn/activation_layer.h — ReLU or GELU as a stand-alone layer (used where no
// preceding linear or BatchNorm can fuse it).
#pragma once

#include "core/nn/module.h"
#include "core/ops/activation.h"

namespace gaplab {

enum class Activation { kRelu, kGelu };

class ActivationLayer final : public Module {
 public:
  explicit ActivationLayer(Activation activation) : activation_(activation) {}
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    return activation_ == Activation::kRelu ? relu(tape, x) : gelu(tape, x);
  }
  std::string describe() const override { return activation_ == Activation::kRelu ? "ReLU" : "GELU"; }

 private:
  Activation activation_;
};

}  // namespace gaplab
