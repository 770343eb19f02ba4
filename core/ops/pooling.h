// core/ops/pooling.h — max, average and global-average pooling over [N, C, H, W].
//
// Why: conv nets downsample between stages (max pooling in the small CNNs,
// global average pooling before a ResNet's classifier). Semantics follow
// PyTorch's defaults: square windows, floor output size, padding at most half
// the kernel; max pooling pads with -inf (ties pick the first element in
// row-major order), average pooling counts padded zeros (count_include_pad).
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include <cstdint>

#include "core/autograd/tape.h"

namespace gaplab {

// x: [N, C, H, W] -> y: [N, C, OH, OW], OH = (H + 2 padding - kernel) / stride + 1 (floor), OW likewise.
// Throws std::invalid_argument when kernel < 1, stride < 1, padding outside
// [0, kernel / 2] or the output would be empty.
Variable maxPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding = 0);
Variable avgPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding = 0);

// x: [N, C, H, W] -> y: [N, C], the mean of each H x W plane.
Variable globalAvgPool2d(Tape& tape, const Variable& x);

}  // namespace gaplab
