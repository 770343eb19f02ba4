// core/ops/activation.h — standalone elementwise nonlinearities (ReLU, exact GELU).
//
// Why: most activations are fused into linear (core/ops/linear.h), but conv nets
// and residual blocks need them on their own, after conv2d, pooling or an add.
// GELU uses the same scalar code as the fused path (activation_math.h), so a
// model gives the same numbers whichever way it is written.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"

namespace gaplab {

// x: [...] -> y: [...], y = max(x, 0)
Variable relu(Tape& tape, const Variable& x);

// x: [...] -> y: [...], y = x * Phi(x) (exact erf form, PyTorch's default)
Variable gelu(Tape& tape, const Variable& x);

}  // namespace gaplab
