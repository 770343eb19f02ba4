// core/cuda/kernels/conv2d_kernels.h — the data-movement parts of conv2d
// (core/ops/conv2d.h) on the GPU: im2col, col2im, the [O, L] <-> [N, O, OH, OW]
// permutes with the bias, and the bias gradient. The products run through
// deviceGemm (core/cuda/device_gemm.h). Layouts as on the CPU:
//   col [K, L], K = C*KH*KW (row (c, kh, kw)), L = N*OH*OW (column (n, oh, ow)).
// Launchers take device pointers and use the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

struct ConvShape {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t o = 0, kh = 1, kw = 1;       // weight
  int64_t oh = 0, ow = 0;              // output
  int64_t strideH = 1, strideW = 1, padH = 0, padW = 0;
};

// x: [N, C, H, W] -> col: [K, L] (zeros where the window reaches into the padding)
void launchIm2col(const float* x, float* col, const ConvShape& s);
// dcol: [K, L] -> dx: [N, C, H, W] (= or +=), one thread per dx element summing its taps in (kh, kw) order.
void launchCol2im(const float* dcol, float* dx, const ConvShape& s, bool accumulate);
// ymat: [O, L] -> y: [N, O, OH, OW], y = ymat + bias[o] (bias may be null)
void launchConvOutputPermute(const float* ymat, const float* bias, float* y, const ConvShape& s);
// dy: [N, O, OH, OW] -> dymat: [O, L]
void launchConvGradPermute(const float* dy, float* dymat, const ConvShape& s);
// db[r] += sum_j m[r, j] for a rows x cols matrix (one block per row).
void launchRowSumAccumulate(const float* m, float* db, int64_t rows, int64_t cols);

}  // namespace gaplab::cuda
