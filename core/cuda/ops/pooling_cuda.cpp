// core/cuda/ops/pooling_cuda.cpp — see pooling_cuda.h. No parameters; the input
// gradient follows Variable::gradForWrite.
#include "core/cuda/ops/pooling_cuda.h"

#include <memory>

#include "core/cuda/kernels/pooling_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

PoolGeometry geometryOf(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  PoolGeometry g;
  g.planes = x.dim(0) * x.dim(1);
  g.h = x.dim(2);
  g.w = x.dim(3);
  g.kernel = kernel;
  g.stride = stride;
  g.padding = padding;
  g.oh = (g.h + 2 * padding - kernel) / stride + 1;  // validated >= 1 by the CPU entry point
  g.ow = (g.w + 2 * padding - kernel) / stride + 1;
  return g;
}

struct MaxPoolCudaOp final : Op {
  Variable x, y;
  std::shared_ptr<void> argmax;  // int32 [N, C, OH, OW] (cuda): index inside the input plane
  PoolGeometry g;

  const char* name() const override { return "maxPool2d(cuda)"; }

  // dy: [N, C, OH, OW] -> dx: [N, C, H, W] (=/+= dy routed to each window's argmax)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchMaxPoolBackward(y.grad().data(), static_cast<const int32_t*>(argmax.get()), dx.data(), g,
                          mode == GradWrite::kAccumulate);
  }
};

struct AvgPoolCudaOp final : Op {
  Variable x, y;
  PoolGeometry g;

  const char* name() const override { return "avgPool2d(cuda)"; }

  // dy: [N, C, OH, OW] -> dx: [N, C, H, W] (=/+= dy / kernel^2 over each window's real elements)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchAvgPoolBackward(y.grad().data(), dx.data(), g, mode == GradWrite::kAccumulate);
  }
};

struct GlobalAvgPoolCudaOp final : Op {
  Variable x, y;
  int64_t planes = 0, hw = 0;

  const char* name() const override { return "globalAvgPool2d(cuda)"; }

  // dy: [N, C] -> dx: [N, C, H, W] (=/+= dy / (H W) over each plane)
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchGlobalAvgPoolBackward(y.grad().data(), dx.data(), planes, hw, mode == GradWrite::kAccumulate);
  }
};

RequiresGrad outputGrad(const Variable& x, const Tape& tape) {
  return x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo;
}

}  // namespace

Variable maxPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding) {
  const Tensor& xv = x.value();
  const PoolGeometry g = geometryOf(xv, kernel, stride, padding);
  Tensor yv = Tensor::empty({xv.dim(0), xv.dim(1), g.oh, g.ow}, Device::kCuda);
  std::shared_ptr<void> argmax;
  if (tape.recording()) argmax = allocateDeviceBytes(static_cast<std::size_t>(yv.numel()) * sizeof(int32_t));
  launchMaxPoolForward(xv.data(), yv.data(), static_cast<int32_t*>(argmax.get()), g);
  Variable y(yv, outputGrad(x, tape));
  if (tape.recording()) {
    auto op = std::make_unique<MaxPoolCudaOp>();
    op->x = x;
    op->y = y;
    op->argmax = std::move(argmax);
    op->g = g;
    tape.push(std::move(op));
  }
  return y;
}

Variable avgPool2d(Tape& tape, const Variable& x, int64_t kernel, int64_t stride, int64_t padding) {
  const Tensor& xv = x.value();
  const PoolGeometry g = geometryOf(xv, kernel, stride, padding);
  Tensor yv = Tensor::empty({xv.dim(0), xv.dim(1), g.oh, g.ow}, Device::kCuda);
  launchAvgPoolForward(xv.data(), yv.data(), g);
  Variable y(yv, outputGrad(x, tape));
  if (tape.recording()) {
    auto op = std::make_unique<AvgPoolCudaOp>();
    op->x = x;
    op->y = y;
    op->g = g;
    tape.push(std::move(op));
  }
  return y;
}

Variable globalAvgPool2d(Tape& tape, const Variable& x) {
  const Tensor& xv = x.value();
  const int64_t n = xv.dim(0), c = xv.dim(1), hw = xv.dim(2) * xv.dim(3);
  Tensor yv = Tensor::empty({n, c}, Device::kCuda);
  launchGlobalAvgPoolForward(xv.data(), yv.data(), n * c, hw);
  Variable y(yv, outputGrad(x, tape));
  if (tape.recording()) {
    auto op = std::make_unique<GlobalAvgPoolCudaOp>();
    op->x = x;
    op->y = y;
    op->planes = n * c;
    op->hw = hw;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
