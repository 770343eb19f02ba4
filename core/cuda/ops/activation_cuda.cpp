// core/cuda/ops/activation_cuda.cpp — see activation_cuda.h. No parameters; the
// input gradient follows Variable::gradForWrite.
#include "core/cuda/ops/activation_cuda.h"

#include "core/cuda/kernels/activation_kernels.h"

namespace gaplab::cuda {
namespace {

struct ActivationCudaOp final : Op {
  Variable x, y;
  DeviceActivation activation = DeviceActivation::kRelu;

  const char* name() const override { return activation == DeviceActivation::kRelu ? "relu(cuda)" : "gelu(cuda)"; }

  // dy: [...] -> dx: [...] (=/+=) dy * [y > 0] (ReLU) or dy * gelu'(x) (GELU)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* ref = activation == DeviceActivation::kRelu ? y.value().data() : x.value().data();
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchActivationBackward(y.grad().data(), ref, dx.data(), dx.numel(), activation,
                             mode == GradWrite::kAccumulate);
  }
};

Variable activate(Tape& tape, const Variable& x, DeviceActivation activation) {
  const Tensor& xv = x.value();
  Tensor yv = Tensor::empty(xv.shape(), Device::kCuda);
  launchActivationForward(xv.data(), yv.data(), xv.numel(), activation);
  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<ActivationCudaOp>();
    op->x = x;
    op->y = y;
    op->activation = activation;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace

Variable relu(Tape& tape, const Variable& x) { return activate(tape, x, DeviceActivation::kRelu); }
Variable gelu(Tape& tape, const Variable& x) { return activate(tape, x, DeviceActivation::kGelu); }

}  // namespace gaplab::cuda
