// core/ops/add.cpp — one vectorised pass forward, one per input backward; see add.h.
// On cuda inputs the same passes run as the shared elementwise kernels (no op twin needed).
#include "core/ops/add.h"

#include <stdexcept>

#include "core/ops/parallel.h"
#include "core/ops/pass_gradient.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/kernels/elementwise_kernels.h"
#endif

namespace gaplab {
namespace {

struct AddOp final : Op {
  Variable a, b, y;

  const char* name() const override { return "add"; }

  // dy: [...] -> da: [...] (=/+= dy), db: [...] (=/+= dy)
  void backward() override {
    if (!y.hasGrad()) return;
    const float* dy = y.grad().data();
    if (a.requiresGrad()) detail::passGradient(a, dy);
    if (b.requiresGrad()) detail::passGradient(b, dy);
  }
};

}  // namespace

Variable add(Tape& tape, const Variable& a, const Variable& b) {
  if (!a.defined() || !b.defined()) throw std::invalid_argument("add: input variable is undefined");
  if (a.shape() != b.shape())
    throw std::invalid_argument("add: shapes differ: " + shapeToString(a.shape()) + " + " +
                                shapeToString(b.shape()));
  const Device device = a.value().device();
  if (b.value().device() != device)
    throw std::invalid_argument("add: inputs on " + toString(device) + " and " + toString(b.value().device()));
  Tensor yv = Tensor::empty(a.shape(), device);
  const float* av = a.value().data();
  const float* bv = b.value().data();
  float* out = yv.data();
#if GAPLAB_HAVE_CUDA
  if (device == Device::kCuda) cuda::launchAdd(av, bv, out, yv.numel());
#endif
  if (device == Device::kCpu)
    detail::parallelChunks(yv.numel(), 1, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = av[i] + bv[i];
    });
  const bool needsGrad = a.requiresGrad() || b.requiresGrad() || tape.recording();
  Variable y(yv, needsGrad ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<AddOp>();
    op->a = a;
    op->b = b;
    op->y = y;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab
