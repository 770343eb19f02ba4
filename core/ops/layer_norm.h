// core/ops/layer_norm.h — LayerNorm and RMSNorm over the last dimension.
//
// Why: transformers normalise every token's features on their own (no batch
// statistics, so the same result at any batch size); RMSNorm is the cheaper
// variant without centring or bias used by LLaMA-style models.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// x: [..., D]  gamma: [D]  beta: [D] (may be undefined)  ->  y: [..., D]
// y = (x - mean) / sqrt(var + eps) * gamma + beta, biased variance per row (as PyTorch).
Variable layerNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   float eps = 1e-5f);

// x: [..., D]  gamma: [D]  ->  y: [..., D]
// y = x / sqrt(mean(x^2) + eps) * gamma
Variable rmsNorm(Tape& tape, const Variable& x, const ParamView& gamma, float eps = 1e-5f);

}  // namespace gaplab
