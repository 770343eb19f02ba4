// core/cuda/ops/conv2d_cuda.h — the CUDA twin of core/ops/conv2d.h: im2col and
// col2im kernels around three cuBLAS products, the same [K, L] col layout as the
// CPU op. core/ops/conv2d.cpp validates the shapes and calls it when the input
// lives on the GPU; same gradient contract (dW, db +=; dx = then +=).
#pragma once

#include "core/ops/conv2d.h"

namespace gaplab::cuda {

// x: [N, C, H, W] (cuda)  weight: [O, C, KH, KW]  bias: [O] (may be undefined)  ->  y: [N, O, OH, OW] (cuda)
Variable conv2d(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                const Conv2dGeometry& geometry);

}  // namespace gaplab::cuda
