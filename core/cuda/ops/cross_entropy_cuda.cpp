// core/cuda/ops/cross_entropy_cuda.cpp — see cross_entropy_cuda.h. The logits
// gradient follows Variable::gradForWrite; the labels are copied to the device
// once per forward and kept for backward.
#include "core/cuda/ops/cross_entropy_cuda.h"

#include <memory>

#include "core/cuda/kernels/cross_entropy_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

struct CrossEntropyCudaOp final : Op {
  Variable logits, loss;
  Tensor probs;                    // softmax(logits): [rows, K] (cuda)
  std::shared_ptr<void> labels;    // int32 [rows] (cuda)
  float smoothing = 0.0f;
  int64_t rows = 0, classes = 0;

  const char* name() const override { return "softmax_cross_entropy(cuda)"; }

  // dloss: [] -> dlogits: [rows, K] (=/+=) = dloss * (p - q) / rows; dloss is read on the device
  void backward() override {
    if (!loss.hasGrad() || !logits.requiresGrad()) return;
    GradWrite mode;
    Tensor dl = logits.gradForWrite(&mode);
    launchCrossEntropyBackward(probs.data(), static_cast<const int32_t*>(labels.get()), loss.grad().data(), dl.data(),
                               rows, classes, smoothing, mode == GradWrite::kAccumulate);
  }
};

}  // namespace

Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing, CrossEntropyStats* stats) {
  const Tensor& z = logits.value();
  const int64_t classes = z.dim(-1);
  const int64_t rows = z.numel() / classes;
  std::shared_ptr<void> deviceLabels = allocateDeviceBytes(static_cast<std::size_t>(rows) * sizeof(int32_t));
  if (rows > 0) copyHostToDevice(deviceLabels.get(), labels.data(), static_cast<std::size_t>(rows) * sizeof(int32_t));
  const int32_t* lab = static_cast<const int32_t*>(deviceLabels.get());

  Tensor probs = Tensor::empty({rows, classes}, Device::kCuda);
  // Per-row nll, smoothed loss and correctness, then their sums (stats: nll sum, correct count).
  std::shared_ptr<void> perRow = allocateDeviceBytes(static_cast<std::size_t>(3 * rows + 2) * sizeof(double));
  double* rowNll = static_cast<double*>(perRow.get());
  double* rowSmooth = rowNll + rows;
  double* rowCorrect = rowSmooth + rows;
  double* sums = rowCorrect + rows;
  launchCrossEntropyRows(z.data(), lab, probs.data(), rowNll, rowSmooth, rowCorrect, rows, classes, labelSmoothing);
  Tensor lossValue = Tensor::empty({}, Device::kCuda);
  launchCrossEntropyReduce(rowNll, rowSmooth, rowCorrect, rows, lossValue.data(), stats ? sums : nullptr);
  if (stats) {
    double host[2] = {0.0, 0.0};
    copyDeviceToHost(host, sums, sizeof(host));  // synchronises: evaluation only
    stats->lossSum += host[0];
    stats->correct += static_cast<int64_t>(host[1] + 0.5);
    stats->rows += rows;
  }

  Variable loss(lossValue, RequiresGrad::kYes);
  if (tape.recording()) {
    auto op = std::make_unique<CrossEntropyCudaOp>();
    op->logits = logits;
    op->loss = loss;
    op->probs = probs;
    op->labels = std::move(deviceLabels);
    op->smoothing = labelSmoothing;
    op->rows = rows;
    op->classes = classes;
    tape.push(std::move(op));
  }
  return loss;
}

}  // namespace gaplab::cuda
