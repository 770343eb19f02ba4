// core/nn/sequential.h — modules applied in order; the shape of every MLP and CNN here.
#pragma once

#include <memory>
#include <vector>

#include "core/nn/module.h"

namespace gaplab {

class Sequential final : public Module {
 public:
  template <class M, class... Args>
  M& add(Args&&... args) {
    auto m = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *m;
    layers_.push_back(std::move(m));
    return ref;
  }
  Variable forward(Tape& tape, const Variable& x, const ForwardContext& context) override {
    Variable h = x;
    for (auto& layer : layers_) h = layer->forward(tape, h, context);
    return h;
  }
  std::string describe() const override {
    std::string s;
    for (std::size_t i = 0; i < layers_.size(); ++i) s += (i ? " -> " : "") + layers_[i]->describe();
    return s;
  }
  std::size_t size() const { return layers_.size(); }

 private:
  std::vector<std::unique_ptr<Module>> layers_;
};

}  // namespace gaplab
