// core/ops/reshape.h — a new shape over the same activation storage.
//
// Why: conv nets flatten [N, C, H, W] into [N, C*H*W] before the classifier,
// and attention splits [N, T, D] into heads. Reshaping is free (Tensor::reshape
// shares storage); only the gradient needs the old shape back.
//
// Sharing: the output's value aliases the input's value. Ops never write their
// inputs in place, so this is safe; the gradients are separate buffers.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"

namespace gaplab {

// x: [...] -> y: newShape (same number of elements). One entry of newShape may
// be -1, meaning "whatever makes the element counts match" (as in PyTorch).
Variable reshape(Tape& tape, const Variable& x, const Shape& newShape);

}  // namespace gaplab
