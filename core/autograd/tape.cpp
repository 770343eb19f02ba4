// core/autograd/tape.cpp — reverse replay of recorded ops.
#include "core/autograd/tape.h"

#include <stdexcept>

namespace gaplab {

void Tape::backward(Variable& loss) {
  if (!loss.defined() || loss.value().numel() != 1)
    throw std::invalid_argument("Tape::backward: the loss must be a scalar variable");
  GradWrite mode;
  Tensor seed = loss.gradForWrite(&mode);
  seed.data()[0] = mode == GradWrite::kAssign ? 1.0f : seed.data()[0] + 1.0f;
  for (auto it = ops_.rbegin(); it != ops_.rend(); ++it) (*it)->backward();
  ops_.clear();
}

void Tape::backward(Variable& output, const Tensor& outputGrad) {
  checkShape(outputGrad, output.shape(), "Tape::backward output gradient");
  GradWrite mode;
  Tensor seed = output.gradForWrite(&mode);
  if (mode == GradWrite::kAssign) seed.copyFrom(outputGrad);
  else seed.vector() += outputGrad.vector();
  for (auto it = ops_.rbegin(); it != ops_.rend(); ++it) (*it)->backward();
  ops_.clear();
}

}  // namespace gaplab
