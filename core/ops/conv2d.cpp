// core/ops/conv2d.cpp — im2col + one GEMM forward, GEMMs + col2im backward; see conv2d.h.
//
// Layouts (row-major):
//   col   [K, L]   K = C*KH*KW (row (c, kh, kw)),  L = N*OH*OW (column (n, oh, ow))
//   Ymat  [O, L]   = W [O, K] * col
//   y     [N, O, OH, OW]  (Ymat permuted, plus bias)
// im2col splits the K rows over threads (each col element written once);
// col2im splits the N*C input planes (each dx element written by one thread,
// in a fixed order), so both are deterministic.
#include "core/ops/conv2d.h"

#include "core/ops/gemm.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/ops/parallel.h"
#include "core/ops/reduce_math.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/conv2d_cuda.h"
#endif

namespace gaplab {
namespace {

struct ConvDims {
  int64_t n, c, h, w;  // input
  int64_t o, kh, kw;   // weight
  int64_t oh, ow;      // output
  Conv2dGeometry g;
  int64_t k() const { return c * kh * kw; }
  int64_t p() const { return oh * ow; }
  int64_t l() const { return n * oh * ow; }
};

// Output positions [lo, hi) whose input index out*stride - pad + tap lies in [0, in).
void validRange(int64_t tap, int64_t stride, int64_t pad, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  const int64_t first = pad - tap;  // smallest out*stride allowed
  lo = first > 0 ? (first + stride - 1) / stride : 0;
  const int64_t last = in - 1 + pad - tap;  // largest out*stride allowed
  hi = last < 0 ? 0 : std::min(out, last / stride + 1);
  lo = std::min(lo, hi);
}

// x: [N, C, H, W] -> col: [K, L]
void im2col(const float* x, float* col, const ConvDims& d) {
  const int64_t khkw = d.kh * d.kw, cols = d.l(), plane = d.p();
  detail::parallelChunks(d.k(), cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / khkw, ki = (r / d.kw) % d.kh, kj = r % d.kw;
      int64_t owLo, owHi;
      validRange(kj, d.g.strideW, d.g.padW, d.w, d.ow, owLo, owHi);
      float* row = col + r * cols;
      for (int64_t n = 0; n < d.n; ++n) {
        for (int64_t oi = 0; oi < d.oh; ++oi) {
          float* dst = row + n * plane + oi * d.ow;
          const int64_t ih = oi * d.g.strideH - d.g.padH + ki;
          if (ih < 0 || ih >= d.h) {
            std::fill(dst, dst + d.ow, 0.0f);
            continue;
          }
          const int64_t base = ((n * d.c + c) * d.h + ih) * d.w + kj - d.g.padW;
          std::fill(dst, dst + owLo, 0.0f);
          for (int64_t oj = owLo; oj < owHi; ++oj) dst[oj] = x[base + oj * d.g.strideW];
          std::fill(dst + owHi, dst + d.ow, 0.0f);
        }
      }
    }
  });
}

// dcol: [K, L] -> dx: [N, C, H, W] (= when mode is kAssign, else +=)
void col2im(const float* dcol, float* dx, const ConvDims& d, GradWrite mode) {
  const int64_t cols = d.l(), plane = d.p(), hw = d.h * d.w;
  detail::parallelChunks(d.n * d.c, d.kh * d.kw * plane, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t n = q / d.c, c = q % d.c;
      float* dxPlane = dx + q * hw;
      if (mode == GradWrite::kAssign) std::fill(dxPlane, dxPlane + hw, 0.0f);
      for (int64_t ki = 0; ki < d.kh; ++ki) {
        for (int64_t kj = 0; kj < d.kw; ++kj) {
          int64_t owLo, owHi;
          validRange(kj, d.g.strideW, d.g.padW, d.w, d.ow, owLo, owHi);
          const float* src = dcol + ((c * d.kh + ki) * d.kw + kj) * cols + n * plane;
          for (int64_t oi = 0; oi < d.oh; ++oi) {
            const int64_t ih = oi * d.g.strideH - d.g.padH + ki;
            if (ih < 0 || ih >= d.h) continue;
            const int64_t base = ih * d.w + kj - d.g.padW;
            const float* s = src + oi * d.ow;
            for (int64_t oj = owLo; oj < owHi; ++oj) dxPlane[base + oj * d.g.strideW] += s[oj];
          }
        }
      }
    }
  });
}

struct Conv2dOp final : Op {
  Variable x, y;
  ParamView weight, bias;
  Tensor col;  // [K, L] from forward; reused as dcol in backward
  ConvDims d;

  const char* name() const override { return "conv2d"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(weight);
    visit(bias);
  }

  // dy: [N, O, OH, OW] -> dYmat: [O, L] -> dW: [O, C, KH, KW] (+= dYmat col^T), db: [O] (+= row sums of dYmat),
  //   dcol: [K, L] (= W^T dYmat) -> dx: [N, C, H, W] (=/+= col2im(dcol))
  void backward() override {
    if (!y.hasGrad()) return;
    const int64_t o = d.o, k = d.k(), l = d.l(), plane = d.p();
    const float* dy = y.grad().data();
    // With N == 1 the [1, O, OH, OW] gradient already is the [O, L] matrix.
    Tensor dYmat = d.n == 1 ? y.grad().reshape({o, l}) : Tensor::empty({o, l});
    if (d.n != 1) {
      float* dst = dYmat.data();
      detail::parallelChunks(o * d.n, plane, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t oc = i / d.n, n = i % d.n;
          std::copy(dy + (n * o + oc) * plane, dy + (n * o + oc + 1) * plane, dst + oc * l + n * plane);
        }
      });
    }
    // dW[o, k] += dY[o, l] col[k, l]^T
    gemm(Transpose::kNo, Transpose::kYes, o, k, l, dYmat.data(), l, col.data(), l, weight.grad(), k,
         GemmWrite::kAccumulate);
    if (bias.defined()) {
      float* db = bias.grad();
      for (int64_t oc = 0; oc < o; ++oc) db[oc] += detail::laneSum(dYmat.data() + oc * l, l);
    }
    if (!x.requiresGrad()) return;
    // col is no longer needed: its storage takes dcol.
    // dcol[k, l] = W[o, k]^T dY[o, l]
    gemm(Transpose::kYes, Transpose::kNo, k, l, o, weight.value(), k, dYmat.data(), l, col.data(), l,
         GemmWrite::kAssign);
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    col2im(col.data(), dxT.data(), d, mode);
  }
};

}  // namespace

Variable conv2d(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                const Conv2dGeometry& geometry) {
  if (!x.defined()) throw std::invalid_argument("conv2d: input variable is undefined");
  if (!weight.defined()) throw std::invalid_argument("conv2d: weight is undefined");
  const Tensor& xv = x.value();
  const Shape& ws = weight.info().shape;
  const std::string where = "conv2d '" + weight.info().name + "': ";
  if (xv.rank() != 4)
    throw std::invalid_argument(where + "input " + shapeToString(xv.shape()) + " is not [N, C, H, W]");
  if (ws.size() != 4 || ws[1] != xv.dim(1))
    throw std::invalid_argument(where + "weight " + shapeToString(ws) + " does not match input " +
                                shapeToString(xv.shape()) + " (expected [O, " + std::to_string(xv.dim(1)) +
                                ", KH, KW])");
  if (bias.defined() && bias.info().shape != Shape{ws[0]})
    throw std::invalid_argument(where + "bias " + shapeToString(bias.info().shape) + " does not match weight " +
                                shapeToString(ws));
  if (geometry.strideH < 1 || geometry.strideW < 1 || geometry.padH < 0 || geometry.padW < 0)
    throw std::invalid_argument(where + "stride (" + std::to_string(geometry.strideH) + ", " +
                                std::to_string(geometry.strideW) + ") must be >= 1 and padding (" +
                                std::to_string(geometry.padH) + ", " + std::to_string(geometry.padW) +
                                ") >= 0");
  ConvDims d{};
  d.n = xv.dim(0);
  d.c = xv.dim(1);
  d.h = xv.dim(2);
  d.w = xv.dim(3);
  d.o = ws[0];
  d.kh = ws[2];
  d.kw = ws[3];
  d.g = geometry;
  const int64_t spanH = d.h + 2 * geometry.padH - d.kh, spanW = d.w + 2 * geometry.padW - d.kw;
  d.oh = spanH < 0 ? 0 : spanH / geometry.strideH + 1;
  d.ow = spanW < 0 ? 0 : spanW / geometry.strideW + 1;
  if (d.kh < 1 || d.kw < 1 || d.oh < 1 || d.ow < 1)
    throw std::invalid_argument(where + "kernel " + shapeToString(ws) + " with padding (" +
                                std::to_string(geometry.padH) + ", " + std::to_string(geometry.padW) +
                                ") does not fit input " + shapeToString(xv.shape()));
  requireSameDevice(xv, weight, "conv2d");
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::conv2d(tape, x, weight, bias, geometry);
#endif

  const int64_t o = d.o, k = d.k(), l = d.l(), plane = d.p();
  Tensor col = Tensor::empty({k, l});
  im2col(xv.data(), col.data(), d);

  Tensor yv = Tensor::empty({d.n, o, d.oh, d.ow});
  // With N == 1 the GEMM writes y directly; the permute below is then in place.
  Tensor ymat = d.n == 1 ? yv.reshape({o, l}) : Tensor::empty({o, l});
  // Y[o, l] = W[o, k] col[k, l]
  gemm(Transpose::kNo, Transpose::kNo, o, l, k, weight.value(), k, col.data(), l, ymat.data(), l, GemmWrite::kAssign);
  const float* src = ymat.data();
  const float* b = bias.defined() ? bias.value() : nullptr;
  float* out = yv.data();
  detail::parallelChunks(d.n * o, plane, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t n = i / o, oc = i % o;
      const float* s = src + oc * l + n * plane;
      float* dst = out + i * plane;
      const float bo = b ? b[oc] : 0.0f;
      for (int64_t j = 0; j < plane; ++j) dst[j] = s[j] + bo;
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<Conv2dOp>();
    op->x = x;
    op->y = y;
    op->weight = weight;
    op->bias = bias;
    op->col = col;
    op->d = d;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
