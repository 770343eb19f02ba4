// core/nn/conv2d_layer.h — a 2-D convolution layer (PyTorch's default init).
#pragma once

#include "core/nn/module.h"
#include "core/ops/conv2d.h"

namespace gaplab {

class Conv2dLayer final : public Module {
 public:
  Conv2dLayer(ParameterArena& arena, const std::string& name, int64_t inChannels, int64_t outChannels,
              int64_t kernel, int64_t stride, int64_t padding)
      : in_(inChannels), out_(outChannels), kernel_(kernel), geometry_{stride, stride, padding, padding} {
    const int64_t fanIn = inChannels * kernel * kernel;
    weight_ = arena.addParameter(name + ".weight", {outChannels, inChannels, kernel, kernel}, Init::fanIn(fanIn));
    bias_ = arena.addParameter(name + ".bias", {outChannels}, Init::fanIn(fanIn), WeightDecay::kSkip);
  }
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    return conv2d(tape, x, weight_, bias_, geometry_);
  }
  std::string describe() const override {
    return "Conv2d(" + std::to_string(in_) + "->" + std::to_string(out_) + ", k" + std::to_string(kernel_) + ")";
  }

 private:
  int64_t in_, out_, kernel_;
  Conv2dGeometry geometry_;
  ParamView weight_, bias_;
};

}  // namespace gaplab
