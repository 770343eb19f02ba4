// core/ops/pass_gradient.h — hand an output gradient unchanged to an input
// (residual add, reshape): dx = dy on the first write, dx += dy afterwards.
#pragma once

#include "core/autograd/variable.h"
#include "core/ops/parallel.h"

namespace gaplab::detail {

inline void passGradient(Variable& input, const float* dy) {
  GradWrite mode;
  Tensor dT = input.gradForWrite(&mode);
  float* d = dT.data();
  parallelChunks(dT.numel(), 1, [&](int64_t b, int64_t e) {
    if (mode == GradWrite::kAssign) {
      for (int64_t i = b; i < e; ++i) d[i] = dy[i];
    } else {
      for (int64_t i = b; i < e; ++i) d[i] += dy[i];
    }
  });
}

}  // namespace gaplab::detail
