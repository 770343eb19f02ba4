// core/autograd/variable.h — an activation and its gradient, shared by the ops
// that produce and consume it.
//
// Why: coarse ops on a tape need a place for each activation's gradient. A
// Variable is a handle (copies share the node). Its gradient is allocated on
// first write: the first op to write it *assigns* (=), later ones *accumulate*
// (+=), so fan-out (residual connections) is correct without a memset per step.
// Parameter gradients do not live here: they accumulate in the ParameterArena.
#pragma once

#include <memory>

#include "core/tensor.h"

namespace gaplab {

enum class RequiresGrad { kNo, kYes };
// How an op must write an input gradient it receives from gradForWrite().
enum class GradWrite { kAssign, kAccumulate };

class Variable {
 public:
  Variable() = default;
  explicit Variable(Tensor value, RequiresGrad requiresGrad = RequiresGrad::kNo);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const { return node_->value; }
  Tensor& value() { return node_->value; }
  const Shape& shape() const { return node_->value.shape(); }
  bool requiresGrad() const { return node_ && node_->requiresGrad; }

  bool hasGrad() const { return node_->grad.defined(); }
  const Tensor& grad() const { return node_->grad; }
  Tensor& grad() { return node_->grad; }
  // Storage for this variable's gradient and how to write it (see file comment).
  Tensor gradForWrite(GradWrite* mode);
  void clearGrad() { node_->grad = Tensor(); }

 private:
  struct Node {
    Tensor value;
    Tensor grad;
    bool requiresGrad = false;
  };
  std::shared_ptr<Node> node_;
};

}  // namespace gaplab
