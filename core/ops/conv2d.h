// core/ops/conv2d.h — 2-D convolution (cross-correlation, as PyTorch's Conv2d).
//
// Why: the image workloads (Fashion-MNIST CNNs, ResNets) are conv nets. On CPU
// the fastest simple form is im2col + one Eigen GEMM over the whole batch: the
// col matrix turns every kernel window into a column, and the GEMM does the
// multiply-adds at BLAS speed. The col matrix is kept from forward because dW
// needs it.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include <cstdint>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// Strides and zero padding of each spatial axis (no dilation, no groups).
struct Conv2dGeometry {
  int64_t strideH = 1;
  int64_t strideW = 1;
  int64_t padH = 0;
  int64_t padW = 0;
};

// x: [N, C, H, W]  weight: [O, C, KH, KW]  bias: [O] (may be undefined)  ->  y: [N, O, OH, OW]
// OH = (H + 2 padH - KH) / strideH + 1, OW likewise (floor); both must be >= 1.
Variable conv2d(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                const Conv2dGeometry& geometry = {});

}  // namespace gaplab
