// core/cuda/ops/moe_cuda.h — the CUDA twin of core/ops/moe.h: router softmax and
// top-k in a kernel, the capacity rule and row layout on the host (shared with
// the CPU op, core/ops/moe_routing.h), one cuBLAS product per expert and layer,
// and kernels for gather, activations, combine and the router's backward.
// core/ops/moe.cpp calls it, after its argument checks, when the input lives on
// the GPU; same shapes, statistics and gradient contract.
//
// Synchronisation: the forward copies the chosen experts and the router sums
// (one buffer, (E+1) doubles and N*k int32) to the host once, because the
// per-expert row counts are GEMM sizes and the statistics are host numbers.
// The backward reads nothing back (the aux loss gradient stays on the device).
#pragma once

#include "core/ops/moe.h"

namespace gaplab::cuda {

// x: [..., D] (cuda) -> y: [..., D] (cuda), auxLoss: [] (cuda). Sizes and options
// must have been validated by gaplab::moeFeedForward.
MoeOutput moeFeedForward(Tape& tape, const Variable& x, const MoeParams& params, const MoeOptions& options,
                         MoeStats* stats);

}  // namespace gaplab::cuda
