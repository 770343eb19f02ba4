// core/cuda/kernels/pooling_kernels.h — max, average and global-average pooling
// (core/ops/pooling.h) on the GPU. Forward: one thread per output element;
// backward: one thread per input element GATHERING from the windows that cover
// it, in the CPU's (row, column) order: no atomics, deterministic, and the same
// additions in the same order as the CPU's scatter. Launchers take device
// pointers and use the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// planes = N*C planes of h x w in, oh x ow out; square windows.
struct PoolGeometry {
  int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
  int64_t kernel = 1, stride = 1, padding = 0;
};

// y = window maximum (ties: first in row-major order; NaN wins), argmax = its index inside the input plane.
void launchMaxPoolForward(const float* x, float* y, int32_t* argmax, const PoolGeometry& g);
// dx (= or +=) the sum of dy over the outputs whose argmax is this element.
void launchMaxPoolBackward(const float* dy, const int32_t* argmax, float* dx, const PoolGeometry& g, bool accumulate);
// y = sum of the window's real elements / kernel^2 (padded zeros count).
void launchAvgPoolForward(const float* x, float* y, const PoolGeometry& g);
// dx (= or +=) sum over covering windows of dy / kernel^2.
void launchAvgPoolBackward(const float* dy, float* dx, const PoolGeometry& g, bool accumulate);

// y[q] = mean of plane q (hw elements), q < planes.
void launchGlobalAvgPoolForward(const float* x, float* y, int64_t planes, int64_t hw);
// dx[q, i] (= or +=) dy[q] / hw.
void launchGlobalAvgPoolBackward(const float* dy, float* dx, int64_t planes, int64_t hw, bool accumulate);

}  // namespace gaplab::cuda
