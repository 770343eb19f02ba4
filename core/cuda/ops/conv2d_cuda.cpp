// core/cuda/ops/conv2d_cuda.cpp — see conv2d_cuda.h. Parameter gradients
// accumulate (+=); the input gradient follows Variable::gradForWrite.
#include "core/cuda/ops/conv2d_cuda.h"

#include "core/cuda/device_gemm.h"
#include "core/cuda/kernels/conv2d_kernels.h"

namespace gaplab::cuda {
namespace {

struct Conv2dCudaOp final : Op {
  Variable x, y;
  ParamView weight, bias;
  Tensor col;  // [K, L] (cuda) from forward; reused as dcol in backward
  ConvShape s;

  const char* name() const override { return "conv2d(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(weight);
    visit(bias);
  }

  // dy: [N, O, OH, OW] -> dYmat: [O, L] -> dW: [O, C, KH, KW] (+= dYmat col^T), db: [O] (+= row sums of dYmat),
  //   dcol: [K, L] (= W^T dYmat) -> dx: [N, C, H, W] (=/+= col2im(dcol))
  void backward() override {
    if (!y.hasGrad()) return;
    const int64_t o = s.o, k = s.c * s.kh * s.kw, l = s.n * s.oh * s.ow;
    Tensor dYmat = Tensor::empty({o, l}, Device::kCuda);
    launchConvGradPermute(y.grad().data(), dYmat.data(), s);
    // dW[o, k] += dY[o, l] col[k, l]^T
    deviceGemm(Transpose::kNo, Transpose::kYes, o, k, l, dYmat.data(), l, col.data(), l, weight.grad(), k,
               GemmWrite::kAccumulate);
    if (bias.defined()) launchRowSumAccumulate(dYmat.data(), bias.grad(), o, l);
    if (!x.requiresGrad()) return;
    // dcol[k, l] = W[o, k]^T dY[o, l], into col's storage (no longer needed)
    deviceGemm(Transpose::kYes, Transpose::kNo, k, l, o, weight.value(), k, dYmat.data(), l, col.data(), l,
               GemmWrite::kAssign);
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchCol2im(col.data(), dx.data(), s, mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable conv2d(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                const Conv2dGeometry& geometry) {
  const Tensor& xv = x.value();
  const Shape& ws = weight.info().shape;
  ConvShape s;
  s.n = xv.dim(0);
  s.c = xv.dim(1);
  s.h = xv.dim(2);
  s.w = xv.dim(3);
  s.o = ws[0];
  s.kh = ws[2];
  s.kw = ws[3];
  s.strideH = geometry.strideH;
  s.strideW = geometry.strideW;
  s.padH = geometry.padH;
  s.padW = geometry.padW;
  s.oh = (s.h + 2 * s.padH - s.kh) / s.strideH + 1;  // validated >= 1 by the CPU entry point
  s.ow = (s.w + 2 * s.padW - s.kw) / s.strideW + 1;
  const int64_t o = s.o, k = s.c * s.kh * s.kw, l = s.n * s.oh * s.ow;

  Tensor col = Tensor::empty({k, l}, Device::kCuda);
  launchIm2col(xv.data(), col.data(), s);
  Tensor ymat = Tensor::empty({o, l}, Device::kCuda);
  // Y[o, l] = W[o, k] col[k, l]
  deviceGemm(Transpose::kNo, Transpose::kNo, o, l, k, weight.value(), k, col.data(), l, ymat.data(), l,
             GemmWrite::kAssign);
  Tensor yv = Tensor::empty({s.n, o, s.oh, s.ow}, Device::kCuda);
  launchConvOutputPermute(ymat.data(), bias.defined() ? bias.value() : nullptr, yv.data(), s);

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<Conv2dCudaOp>();
    op->x = x;
    op->y = y;
    op->weight = weight;
    op->bias = bias;
    op->col = col;
    op->s = s;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
