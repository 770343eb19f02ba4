// core/cuda/ops/swiglu_cuda.h — the CUDA twin of core/ops/swiglu.h: one
// elementwise kernel each way. core/ops/swiglu.cpp calls it, after its checks,
// when the input lives on the GPU; same shapes, same gradient contract.
#pragma once

#include "core/ops/swiglu.h"

namespace gaplab::cuda {

// x: [..., 2H] = [a | b] (cuda)  ->  y: [..., H] = silu(a) * b (cuda)
Variable swiglu(Tape& tape, const Variable& x);

}  // namespace gaplab::cuda
