// core/ops/swiglu.h — the SwiGLU gate of LLaMA/PaLM-style feed-forward blocks.
//
// Why: a gated FFN projects to [a | b] with one fused linear and multiplies
// silu(a) by b; doing the split, the SiLU and the product in one pass keeps
// three [..., H] temporaries and their backward passes out of the tape.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"

namespace gaplab {

// x: [..., 2H] = [a | b] along the last axis  ->  y: [..., H] = silu(a) * b,
// silu(a) = a * sigmoid(a). Throws std::invalid_argument when the last axis is odd.
Variable swiglu(Tape& tape, const Variable& x);

}  // namespace gaplab
