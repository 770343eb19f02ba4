// core/ops/add.h — elementwise sum of two same-shaped activations (residual add).
//
// Why: residual blocks (ResNet, transformer) add a branch back onto its input.
// The gradient flows unchanged to both sides; because an input gradient is
// written with Variable::gradForWrite, the skip path and the branch meet in the
// same buffer without an extra pass.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"

namespace gaplab {

// a: [...]  b: [...] (same shape)  ->  y: [...], y = a + b
Variable add(Tape& tape, const Variable& a, const Variable& b);

}  // namespace gaplab
