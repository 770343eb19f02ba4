// core/cuda/ops/linear_cuda.h — the CUDA twin of core/ops/linear.h: cuBLAS for
// the three products, one kernel for bias + activation. core/ops/linear.cpp
// calls it when the input lives on the GPU; same shapes, same gradient contract.
#pragma once

#include "core/ops/linear.h"

namespace gaplab::cuda {

// x: [..., in] (cuda)  W: [out, in]  b: [out] (may be undefined)  ->  y: [..., out] (cuda)
Variable linear(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                FusedActivation activation);

}  // namespace gaplab::cuda
