// core/ops/activation.cpp — elementwise loops split with parallelChunks; see activation.h.
#include "core/ops/activation.h"

#include <algorithm>

#include <stdexcept>

#include "core/ops/activation_math.h"
#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/activation_cuda.h"
#endif

namespace gaplab {
namespace {

void requireDefined(const Variable& x, const char* op) {
  if (!x.defined()) throw std::invalid_argument(std::string(op) + ": input variable is undefined");
}

struct ReluOp final : Op {
  Variable x, y;  // y > 0 marks where the gradient passes

  const char* name() const override { return "relu"; }

  // dy: [...] -> dx: [...] (=/+= dy * [y > 0])
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    const float* yv = y.value().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    detail::parallelChunks(dxT.numel(), 1, [&](int64_t b, int64_t e) {
      if (mode == GradWrite::kAssign) {
        for (int64_t i = b; i < e; ++i) dx[i] = yv[i] > 0.0f ? dy[i] : 0.0f;
      } else {
        for (int64_t i = b; i < e; ++i) dx[i] += yv[i] > 0.0f ? dy[i] : 0.0f;
      }
    });
  }
};

struct GeluOp final : Op {
  Variable x, y;  // the derivative is evaluated at x

  const char* name() const override { return "gelu"; }

  // dy: [...] -> dx: [...] (=/+= dy * gelu'(x))
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    const float* xv = x.value().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    Tensor scratch = mode == GradWrite::kAssign ? dxT : Tensor::empty(dxT.shape());
    float* d = scratch.data();
    detail::parallelChunks(dxT.numel(), 8, [&](int64_t b, int64_t e) {
      std::copy(dy + b, dy + e, d + b);
      detail::geluBackwardInPlace(xv + b, d + b, e - b);
      if (mode == GradWrite::kAccumulate)
        for (int64_t i = b; i < e; ++i) dx[i] += d[i];
    });
  }
};

}  // namespace

Variable relu(Tape& tape, const Variable& x) {
  requireDefined(x, "relu");
#if GAPLAB_HAVE_CUDA
  if (x.value().device() == Device::kCuda) return cuda::relu(tape, x);
#endif
  const Tensor& xv = x.value();
  Tensor yv = Tensor::empty(xv.shape());
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(xv.numel(), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
  });
  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<ReluOp>();
    op->x = x;
    op->y = y;
    tape.push(std::move(op));
  }
  return y;
}

Variable gelu(Tape& tape, const Variable& x) {
  requireDefined(x, "gelu");
#if GAPLAB_HAVE_CUDA
  if (x.value().device() == Device::kCuda) return cuda::gelu(tape, x);
#endif
  const Tensor& xv = x.value();
  Tensor yv = Tensor::empty(xv.shape());
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(xv.numel(), 8, [&](int64_t b, int64_t e) { detail::geluArray(in + b, out + b, nullptr, e - b); });
  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<GeluOp>();
    op->x = x;
    op->y = y;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
