// core/nn/pooling_layer.h — max, average and global-average pooling layers.
#pragma once

#include "core/nn/module.h"
#include "core/ops/pooling.h"

namespace gaplab {

enum class PoolKind { kMax, kAverage, kGlobalAverage };

class PoolingLayer final : public Module {
 public:
  PoolingLayer(PoolKind kind, int64_t kernel = 2, int64_t stride = 2, int64_t padding = 0)
      : kind_(kind), kernel_(kernel), stride_(stride), padding_(padding) {}
  Variable forward(Tape& tape, const Variable& x, const ForwardContext&) override {
    switch (kind_) {
      case PoolKind::kMax: return maxPool2d(tape, x, kernel_, stride_, padding_);
      case PoolKind::kAverage: return avgPool2d(tape, x, kernel_, stride_, padding_);
      case PoolKind::kGlobalAverage: return globalAvgPool2d(tape, x);
    }
    return x;
  }
  std::string describe() const override {
    return kind_ == PoolKind::kMax ? "MaxPool(" + std::to_string(kernel_) + ")"
           : kind_ == PoolKind::kAverage ? "AvgPool(" + std::to_string(kernel_) + ")"
                                         : "GlobalAvgPool";
  }

 private:
  PoolKind kind_;
  int64_t kernel_, stride_, padding_;
};

}  // namespace gaplab
