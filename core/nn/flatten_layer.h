// core/nn/flatten_layer.h — [N, ...] -> [N, prod(...)], between convolutions and linear layers.
#pragma once

#include "core/nn/module.h"
#include "core/ops/reshape.h"

namespace gaplab {

class FlattenLayer final : public Module {
 public:
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    const int64_t n = x.value().dim(0);
    return reshape(tape, x, {n, n ? x.value().numel() / n : 0});
  }
  std::string describe() const override { return "Flatten"; }
};

}  // namespace gaplab
