// core/autograd/variable.cpp — lazy gradient storage for activations.
#include "core/autograd/variable.h"

namespace gaplab {

Variable::Variable(Tensor value, RequiresGrad requiresGrad) : node_(std::make_shared<Node>()) {
  node_->value = std::move(value);
  node_->requiresGrad = requiresGrad == RequiresGrad::kYes;
}

Tensor Variable::gradForWrite(GradWrite* mode) {
  if (node_->grad.defined()) {
    *mode = GradWrite::kAccumulate;
  } else {
    node_->grad = Tensor::empty(node_->value.shape(), node_->value.device());
    *mode = GradWrite::kAssign;
  }
  return node_->grad;
}

}  // namespace gaplab
