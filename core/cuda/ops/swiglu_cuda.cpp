// core/cuda/ops/swiglu_cuda.cpp — see swiglu_cuda.h. No parameters; the input
// gradient follows Variable::gradForWrite.
#include "core/cuda/ops/swiglu_cuda.h"

#include "core/cuda/kernels/swiglu_kernels.h"

namespace gaplab::cuda {
namespace {

struct SwigluCudaOp final : Op {
  Variable x, y;
  int64_t rows = 0, hidden = 0;  // x is [rows, 2 * hidden]

  const char* name() const override { return "swiglu(cuda)"; }

  // dy: [rows, H] -> dx: [rows, 2H] (=/+=), da = dy * b * s * (1 + a * (1 - s)), db = dy * a * s, s = sigmoid(a)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchSwigluBackward(x.value().data(), y.grad().data(), dx.data(), rows, hidden,
                         mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable swiglu(Tape& tape, const Variable& x) {
  const Tensor& xv = x.value();
  const int64_t width = xv.dim(-1);
  const int64_t h = width / 2;
  const int64_t rows = width == 0 ? 0 : xv.numel() / width;
  Shape yShape = xv.shape();
  yShape.back() = h;
  Tensor yv = Tensor::empty(yShape, Device::kCuda);
  launchSwigluForward(xv.data(), yv.data(), rows, h);

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<SwigluCudaOp>();
    op->x = x;
    op->y = y;
    op->rows = rows;
    op->hidden = h;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
