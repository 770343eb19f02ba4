// core/optim/grad_clip.h — the global gradient norm and clipping by it.
//
// Why: AlgoPerf's baselines and the language models clip the global L2 norm of
// all gradients, and the Trainer logs that norm every step. It runs after the
// gradient all-reduce, so every rank of a trial sees the same averaged
// gradients and computes the same norm without a collective. The norm is summed
// in double over fixed blocks of the flat gradient buffer, in block order, so it
// is bit-identical for any thread count.
#pragma once

#include "core/parameter_arena.h"

namespace gaplab {

// sqrt(sum of g^2) over the whole gradient buffer (0 for an empty arena).
double globalGradNorm(const ParameterArena& arena);

// Clips as torch.nn.utils.clip_grad_norm_ and AlgoPerf do: with
// coef = maxNorm / (norm + 1e-6), gradients are multiplied by coef when
// coef < 1 (that is, when the norm exceeds maxNorm by more than 1e-6) and left
// untouched otherwise. Returns the norm before clipping; a non-finite norm is
// returned as is and the gradients are left unchanged, so the caller can report
// divergence. Throws std::invalid_argument unless maxNorm is finite and > 0.
// On the GPU the norm is reduced and the gradients scaled on the device; only
// the returned norm is copied to the host (one 8-byte copy, which waits for the
// queued work).
double clipGradNorm(ParameterArena& arena, double maxNorm);

}  // namespace gaplab
