// core/cuda/ops/dropout_cuda.cpp — see dropout_cuda.h. No parameters; the input
// gradient follows Variable::gradForWrite.
#include "core/cuda/ops/dropout_cuda.h"

#include <memory>
#include <vector>

#include "core/cuda/kernels/dropout_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

struct DropoutCudaOp final : Op {
  Variable x, y;
  std::shared_ptr<void> keep;  // uint8 [numel] (cuda): 1 where kept
  float keepScale = 1.0f;

  const char* name() const override { return "dropout(cuda)"; }

  // dy: [...] -> dx: [...] (=/+= dy * mask), mask = keep ? 1/(1-p) : 0
  void backward() override {
    if (!y.hasGrad() || !x.requiresGrad()) return;
    GradWrite mode;
    Tensor dx = x.gradForWrite(&mode);
    launchDropoutApply(y.grad().data(), static_cast<const uint8_t*>(keep.get()), keepScale, dx.data(), dx.numel(),
                       mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable dropout(Tape& tape, const Variable& x, float p, RngStream& rng) {
  const Tensor& xv = x.value();
  const int64_t n = xv.numel();
  // The CPU op's draw, element by element: kept when uniform() >= p.
  std::vector<uint8_t> hostKeep(static_cast<std::size_t>(n));
  for (auto& k : hostKeep) k = rng.uniform() >= p ? 1 : 0;
  std::shared_ptr<void> keep = allocateDeviceBytes(static_cast<std::size_t>(n));
  if (n > 0) copyHostToDevice(keep.get(), hostKeep.data(), hostKeep.size());
  const float keepScale = 1.0f / (1.0f - p);

  Tensor yv = Tensor::empty(xv.shape(), Device::kCuda);
  launchDropoutApply(xv.data(), static_cast<const uint8_t*>(keep.get()), keepScale, yv.data(), n, false);
  Variable y(yv, x.requiresGrad() || tape.recording() ? RequiresGrad::kYes : RequiresGrad::kNo);
  if (tape.recording()) {
    auto op = std::make_unique<DropoutCudaOp>();
    op->x = x;
    op->y = y;
    op->keep = std::move(keep);
    op->keepScale = keepScale;
    tape.push(std::move(op));
  }
  return y;
}

}  // namespace gaplab::cuda
