// core/ops/reduce_math.h — sums and dot products over short contiguous runs.
//
// Why: normalisation and pooling ops reduce rows of a few hundred floats. A plain
// loop is serial (the compiler may not reorder float additions) and Eigen's
// reductions peel by pointer alignment, so the same row at another address can
// round differently. Eight fixed lanes vectorise and give one summation order
// that depends only on the length, so results are bit-identical wherever the
// row lives.
#pragma once

#include <cstdint>

namespace gaplab::detail {

constexpr int kReduceLanes = 8;

// Folds the lanes pairwise in a fixed order, then adds the tail.
inline float foldLanes(const float (&acc)[kReduceLanes]) {
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// sum_i x[i]
inline float laneSum(const float* x, int64_t n) {
  float acc[kReduceLanes] = {};
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int l = 0; l < kReduceLanes; ++l) acc[l] += x[i + l];
  float s = foldLanes(acc);
  for (; i < n; ++i) s += x[i];
  return s;
}

// sum_i x[i] * y[i]
inline float laneDot(const float* x, const float* y, int64_t n) {
  float acc[kReduceLanes] = {};
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int l = 0; l < kReduceLanes; ++l) acc[l] += x[i + l] * y[i + l];
  float s = foldLanes(acc);
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

// sum_i (x[i] - c)^2
inline float laneCenteredSquares(const float* x, float c, int64_t n) {
  float acc[kReduceLanes] = {};
  int64_t i = 0;
  for (; i + kReduceLanes <= n; i += kReduceLanes)
    for (int l = 0; l < kReduceLanes; ++l) {
      const float d = x[i + l] - c;
      acc[l] += d * d;
    }
  float s = foldLanes(acc);
  for (; i < n; ++i) s += (x[i] - c) * (x[i] - c);
  return s;
}

}  // namespace gaplab::detail
