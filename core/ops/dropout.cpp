// core/ops/dropout.cpp — serial mask draw, parallel multiply; see dropout.h.
//
// The mask is stored as the factor itself (0 or 1/(1-p)), so forward and
// backward are the same vectorised multiply.
#include "core/ops/dropout.h"

#include <stdexcept>
#include <string>

#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/dropout_cuda.h"
#endif

namespace gaplab {
namespace {

struct DropoutOp final : Op {
  Variable x, y;
  Tensor mask;  // same shape as x: 0 where dropped, 1/(1-p) where kept

  const char* name() const override { return "dropout"; }

  // dy: [...] -> dx: [...] (=/+= dy * mask)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* dy = y.grad().data();
    const float* m = mask.data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    detail::parallelChunks(dxT.numel(), 1, [&](int64_t b, int64_t e) {
      if (mode == GradWrite::kAssign) {
        for (int64_t i = b; i < e; ++i) dx[i] = dy[i] * m[i];
      } else {
        for (int64_t i = b; i < e; ++i) dx[i] += dy[i] * m[i];
      }
    });
  }
};

}  // namespace

Variable dropout(Tape& tape, const Variable& x, float p, RngStream& rng, DropoutMode mode) {
  if (!x.defined()) throw std::invalid_argument("dropout: input variable is undefined");
  if (!(p >= 0.0f && p < 1.0f))
    throw std::invalid_argument("dropout: probability p = " + std::to_string(p) + " is outside [0, 1)");
  if (mode == DropoutMode::kEval || p == 0.0f) return x;
#if GAPLAB_HAVE_CUDA
  if (x.value().device() == Device::kCuda) return cuda::dropout(tape, x, p, rng);
#endif

  const Tensor& xv = x.value();
  const int64_t n = xv.numel();
  Tensor mask = Tensor::empty(xv.shape());
  const float keepScale = 1.0f / (1.0f - p);
  float* m = mask.data();
  for (int64_t i = 0; i < n; ++i) m[i] = rng.uniform() >= p ? keepScale : 0.0f;

  Tensor yv = Tensor::empty(xv.shape());
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = in[i] * m[i];
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<DropoutOp>();
    op->x = x;
    op->y = y;
    op->mask = mask;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
