// core/cuda/ops/activation_cuda.h — the CUDA twins of core/ops/activation.h (ReLU,
// exact GELU). core/ops/activation.cpp calls them when the input lives on the
// GPU; same shapes, same gradient contract (dx = then +=).
#pragma once

#include "core/ops/activation.h"

namespace gaplab::cuda {

// x: [...] (cuda) -> y: [...] (cuda)
Variable relu(Tape& tape, const Variable& x);
Variable gelu(Tape& tape, const Variable& x);

}  // namespace gaplab::cuda
