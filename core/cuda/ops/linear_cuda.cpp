// core/cuda/ops/linear_cuda.cpp — see linear_cuda.h. Parameter gradients
// accumulate (+=); the input gradient follows Variable::gradForWrite.
#include "core/cuda/ops/linear_cuda.h"

#include "core/cuda/device_gemm.h"
#include "core/cuda/kernels/linear_kernels.h"

namespace gaplab::cuda {
namespace {

DeviceActivation toDevice(FusedActivation a) {
  switch (a) {
    case FusedActivation::kRelu: return DeviceActivation::kRelu;
    case FusedActivation::kGelu: return DeviceActivation::kGelu;
    case FusedActivation::kNone: break;
  }
  return DeviceActivation::kNone;
}

struct LinearCudaOp final : Op {
  Variable x, y;
  ParamView weight, bias;
  FusedActivation activation = FusedActivation::kNone;
  Tensor preActivation;  // kGelu only
  int64_t rows = 0, in = 0, out = 0;

  const char* name() const override { return "linear(cuda)"; }
  void forEachParameter(const ParamVisitor& visit) const override {
    visit(weight);
    visit(bias);
  }

  // dy: [N, out] -> dpre: [N, out] (in place) -> dx: [N, in] (=/+= dpre W), dW: [out, in] (+= dpre^T x),
  // db: [out] (+= sum_N dpre)
  void backward() override {
    if (!y.hasGrad()) return;
    float* dpre = y.grad().data();
    if (activation == FusedActivation::kRelu)
      launchActivationBackwardInPlace(dpre, y.value().data(), rows * out, DeviceActivation::kRelu);
    else if (activation == FusedActivation::kGelu)
      launchActivationBackwardInPlace(dpre, preActivation.data(), rows * out, DeviceActivation::kGelu);
    deviceGemm(Transpose::kYes, Transpose::kNo, out, in, rows, dpre, out, x.value().data(), in, weight.grad(), in,
               GemmWrite::kAccumulate);
    if (bias.defined()) launchColumnSumAccumulate(dpre, bias.grad(), rows, out);
    if (x.requiresGrad()) {
      GradWrite mode;
      Tensor dx = x.gradForWrite(&mode);
      deviceGemm(Transpose::kNo, Transpose::kNo, rows, in, out, dpre, out, weight.value(), in, dx.data(), in,
                 mode == GradWrite::kAssign ? GemmWrite::kAssign : GemmWrite::kAccumulate);
    }
  }
};

}  // namespace

Variable linear(Tape& tape, const Variable& x, const ParamView& weight, const ParamView& bias,
                FusedActivation activation) {
  const Shape& ws = weight.info().shape;
  const int64_t out = ws.at(0), in = ws.at(1);
  const Tensor& xv = x.value();
  const int64_t rows = xv.numel() / in;
  Shape yShape = xv.shape();
  yShape.back() = out;
  Tensor yv = Tensor::empty(yShape, Device::kCuda);
  // Y[N, out] = X W^T
  deviceGemm(Transpose::kNo, Transpose::kYes, rows, out, in, xv.data(), in, weight.value(), in, yv.data(), out,
             GemmWrite::kAssign);
  Tensor pre;
  if (activation == FusedActivation::kGelu && tape.recording()) pre = Tensor::empty(yShape, Device::kCuda);
  launchBiasActivation(yv.data(), bias.defined() ? bias.value() : nullptr, pre.defined() ? pre.data() : nullptr,
                       rows, out, toDevice(activation));

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<LinearCudaOp>();
    op->x = x;
    op->y = y;
    op->weight = weight;
    op->bias = bias;
    op->activation = activation;
    op->preActivation = pre;
    op->rows = rows;
    op->in = in;
    op->out = out;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
