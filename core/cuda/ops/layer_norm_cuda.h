// core/cuda/ops/layer_norm_cuda.h — the CUDA twins of core/ops/layer_norm.h:
// one warp per row forward and for the input gradient, deterministic two-pass
// column sums for gamma and beta. core/ops/layer_norm.cpp calls them, after its
// checks, when the input lives on the GPU; same shapes, same gradient contract.
#pragma once

#include "core/ops/layer_norm.h"

namespace gaplab::cuda {

// x: [..., D] (cuda)  gamma: [D]  beta: [D] (may be undefined)  ->  y: [..., D] (cuda)
Variable layerNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta, float eps);

// x: [..., D] (cuda)  gamma: [D]  ->  y: [..., D] (cuda)
Variable rmsNorm(Tape& tape, const Variable& x, const ParamView& gamma, float eps);

}  // namespace gaplab::cuda
