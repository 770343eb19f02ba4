// core/ops/swiglu.cpp — one row-parallel pass each way; see swiglu.h.
//
// Backward recomputes sigmoid(a) from the saved input instead of keeping it:
//   da = dy * b * sigmoid(a) * (1 + a * (1 - sigmoid(a))),  db = dy * silu(a).
// Rows go through the shared vectorised kernels of activation_math.h, so each value
// depends on its inputs only, never on the row's address or the thread count.
#include "core/ops/swiglu.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/ops/activation_math.h"
#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/swiglu_cuda.h"
#endif

namespace gaplab {
namespace {

struct SwigluOp final : Op {
  Variable x, y;
  int64_t rows, hidden;  // x is [rows, 2 * hidden]

  const char* name() const override { return "swiglu"; }

  // dy: [rows, H] -> dx: [rows, 2H] (=/+=), da = dy * b * s * (1 + a * (1 - s)), db = dy * a * s, s = sigmoid(a)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    const float* xv = x.value().data();
    const float* dy = y.grad().data();
    GradWrite mode;
    Tensor dxT = x.gradForWrite(&mode);
    float* dx = dxT.data();
    const int64_t h = hidden;
    Tensor scratch = mode == GradWrite::kAssign ? dxT : Tensor::empty(dxT.shape());
    float* d = scratch.data();
    detail::parallelChunks(rows, 8 * h, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* a = xv + r * 2 * h;
        detail::swigluBackwardArray(a, a + h, dy + r * h, d + r * 2 * h, d + r * 2 * h + h, h);
      }
      if (mode == GradWrite::kAccumulate)
        for (int64_t i = r0 * 2 * h; i < r1 * 2 * h; ++i) dx[i] += d[i];
    });
  }
};

}  // namespace

Variable swiglu(Tape& tape, const Variable& x) {
  if (!x.defined()) throw std::invalid_argument("swiglu: input variable is undefined");
  const Tensor& xv = x.value();
  if (xv.rank() < 1)
    throw std::invalid_argument("swiglu: input " + shapeToString(xv.shape()) + " has no last axis, expected [..., 2H]");
  const int64_t width = xv.dim(-1);
  if (width % 2 != 0)
    throw std::invalid_argument("swiglu: input " + shapeToString(xv.shape()) + " has an odd last axis " +
                                std::to_string(width) + ", expected [..., 2H] = [a | b]");
#if GAPLAB_HAVE_CUDA
  if (xv.device() == Device::kCuda) return cuda::swiglu(tape, x);
#endif
  const int64_t h = width / 2;
  const int64_t rows = width == 0 ? 0 : xv.numel() / width;
  Shape yShape = xv.shape();
  yShape.back() = h;
  Tensor yv = Tensor::empty(yShape);
  const float* in = xv.data();
  float* out = yv.data();
  detail::parallelChunks(rows, 4 * h, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* a = in + r * 2 * h;
      detail::swigluArray(a, a + h, out + r * h, h);
    }
  });

  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<SwigluOp>();
    op->x = x;
    op->y = y;
    op->rows = rows;
    op->hidden = h;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
