// core/cuda/ops/pooling_cuda.h — the CUDA twins of core/ops/pooling.h (max,
// average, global average). core/ops/pooling.cpp validates kernel, stride and
// padding and calls these when the input lives on the GPU; same shapes and
// semantics (floor output size, -inf padding for max with first-in-row-major
// ties, count_include_pad for average), same gradient contract (dx = then +=).
#pragma once

#include "core/ops/pooling.h"

namespace gaplab::cuda {

// x: [N, C, H, W] (cuda) -> y: [N, C, OH, OW] (cuda)
Variable maxPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding);
Variable avgPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding);
// x: [N, C, H, W] (cuda) -> y: [N, C] (cuda)
Variable globalAvgPool2d(Tape& tape, const Variable& x);

}  // namespace gaplab::cuda
