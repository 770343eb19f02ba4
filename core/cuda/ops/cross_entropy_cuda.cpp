// core/cuda/ops/cross_entropy_cuda.cpp — see cross_entropy_cuda.h. The logits
// gradient follows Variable::gradForWrite; host labels are copied to the device
// once per forward and kept for backward, device labels are used in place.
#include "core/cuda/ops/cross_entropy_cuda.h"

#include <memory>

#include "core/cuda/kernels/cross_entropy_kernels.h"
#include "core/device_memory.h"

namespace gaplab::cuda {
namespace {

struct CrossEntropyCudaOp final : Op {
  Variable logits, loss;
  Tensor probs;                       // softmax(logits): [rows, K] (cuda)
  std::shared_ptr<void> ownedLabels;  // the upload of host labels; null for device labels
  const int32_t* labels = nullptr;    // int32 [rows] (cuda)
  float smoothing = 0.0f;
  int64_t rows = 0, classes = 0;

  const char* name() const override { return "softmax_cross_entropy(cuda)"; }

  // dloss: [] -> dlogits: [rows, K] (=/+=) = dloss * (p - q) / rows; dloss is read on the device
  void backward() override {
    if (!loss.hasGrad() || !logits.requiresGrad()) return;
    GradWrite mode;
    Tensor dl = logits.gradForWrite(&mode);
    launchCrossEntropyBackward(probs.data(), labels, loss.grad().data(), dl.data(), rows, classes, smoothing,
                               mode == GradWrite::kAccumulate);
  }
};

// Both public versions: `lab` holds the rows' labels on the device; `ownedLabels`
// (may be null) keeps their storage alive until backward.
Variable crossEntropyOnDevice(Tape& tape, const Variable& logits, const int32_t* lab,
                              std::shared_ptr<void> ownedLabels, float labelSmoothing, CrossEntropyStats* stats) {
  const Tensor& z = logits.value();
  const int64_t classes = z.dim(-1);
  const int64_t rows = z.numel() / classes;

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
    op->ownedLabels = std::move(ownedLabels);
    op->labels = lab;
    op->smoothing = labelSmoothing;
    op->rows = rows;
    op->classes = classes;
    tape.push(std::move(op));
  }
  return loss;
}

}  // namespace

Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing, CrossEntropyStats* stats) {
  const Tensor& z = logits.value();
  const int64_t rows = z.numel() / z.dim(-1);
  std::shared_ptr<void> deviceLabels = allocateDeviceBytes(static_cast<std::size_t>(rows) * sizeof(int32_t));
  if (rows > 0) copyHostToDevice(deviceLabels.get(), labels.data(), static_cast<std::size_t>(rows) * sizeof(int32_t));
  const auto* lab = static_cast<const int32_t*>(deviceLabels.get());
  return crossEntropyOnDevice(tape, logits, lab, std::move(deviceLabels), labelSmoothing, stats);
}

Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, const int32_t* deviceLabels, int64_t rows,
                             float labelSmoothing) {
  (void)rows;  // checked against the logits by core/ops/cross_entropy.cpp
  return crossEntropyOnDevice(tape, logits, deviceLabels, nullptr, labelSmoothing, nullptr);
}

}  // namespace gaplab::cuda
