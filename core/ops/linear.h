// core/ops/linear.h — y = act(x W^T + b), the workhorse of every model here.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// Optional activation fused into the linear op (saves one pass over y).
enum class FusedActivation { kNone, kRelu, kGelu };

// x: [..., in]  W: [out, in]  b: [out] (may be undefined)  ->  y: [..., out]
Variable linear(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                FusedActivation activation = FusedActivation::kNone);

}  // namespace gaplab
