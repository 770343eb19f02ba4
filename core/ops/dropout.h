// core/ops/dropout.h — inverted dropout with masks from a counter-based stream.
//
// Why: regularisation in the reference workloads. The mask comes from the
// caller's RngStream (purpose kDropout, one stream per step and layer), so a
// trial's masks depend only on its seed, never on thread count or on other
// random draws. Inverted scaling (kept values times 1/(1-p)) keeps the expected
// activation unchanged, so eval needs no rescaling.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"
#include "core/rng.h"

namespace gaplab {

enum class DropoutMode { kTrain, kEval };

// x: [...] -> y: [...]. kTrain: each element is kept with probability 1 - p and
// scaled by 1/(1-p), else zeroed; numel(x) uniforms are drawn from rng in element
// order. kEval or p == 0: returns x itself and draws nothing. p must be in [0, 1).
Variable dropout(Tape& tape, const Variable& x, float p, RngStream& rng, DropoutMode mode);

}  // namespace gaplab
