// core/ops/cross_entropy.cpp — see cross_entropy.h.
#include "core/ops/cross_entropy.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/parallel.h"
#if GAPLAB_HAVE_CUDA
#include "core/cuda/ops/cross_entropy_cuda.h"
#endif

namespace gaplab {
namespace {

struct CrossEntropyOp final : Op {
  Variable logits, loss;
  Tensor probs;  // softmax(logits): [rows, K]
  std::vector<int32_t> labels;
  float smoothing;
  int64_t rows, classes;

  const char* name() const override { return "softmax_cross_entropy"; }

  // dloss: [] -> dlogits: [rows, K] (=/+=) = dloss * (p - q) / rows
  void backward() override {
    if (!loss.hasGrad() || !logits.requiresGrad()) return;
    const float scale = loss.grad().data()[0] / static_cast<float>(rows);
    const float off = smoothing / static_cast<float>(classes);
    const float on = 1.0f - smoothing + off;
    GradWrite mode;
    float* dl = logits.gradForWrite(&mode).data();
    const float* p = probs.data();
    detail::parallelChunks(rows, classes, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t label = labels[static_cast<std::size_t>(r)];
        for (int64_t k = 0; k < classes; ++k) {
          const int64_t i = r * classes + k;
          const float v = scale * (p[i] - (k == label ? on : off));
          dl[i] = mode == GradWrite::kAssign ? v : dl[i] + v;
        }
      }
    });
  }
};

void checkSmoothing(float labelSmoothing) {
  if (labelSmoothing < 0.0f || labelSmoothing >= 1.0f)
    throw std::invalid_argument("softmaxCrossEntropy: label smoothing " + std::to_string(labelSmoothing) +
                                ", expected 0 <= value < 1");
}

}  // namespace

Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, const int32_t* deviceLabels, int64_t rows,
                             float labelSmoothing) {
#if !GAPLAB_HAVE_CUDA
  (void)tape, (void)logits, (void)deviceLabels, (void)rows, (void)labelSmoothing;
  throw std::invalid_argument("softmaxCrossEntropy: device labels need the CUDA backend");
#else
  const Tensor& z = logits.value();
  if (z.rank() < 1) throw std::invalid_argument("softmaxCrossEntropy: logits must have a class axis");
  if (z.device() != Device::kCuda)
    throw std::invalid_argument("softmaxCrossEntropy: device labels need logits on cuda, got logits " +
                                shapeToString(z.shape()) + " on " + toString(z.device()));
  const int64_t classes = z.dim(-1);
  if (classes <= 0 || z.numel() / classes != rows)
    throw std::invalid_argument("softmaxCrossEntropy: " + std::to_string(rows) + " device labels for logits " +
                                shapeToString(z.shape()) + " on " + toString(z.device()));
  if (rows > 0 && deviceLabels == nullptr)
    throw std::invalid_argument("softmaxCrossEntropy: null device labels for logits " + shapeToString(z.shape()));
  checkSmoothing(labelSmoothing);
  return cuda::softmaxCrossEntropy(tape, logits, deviceLabels, rows, labelSmoothing);
#endif
}

Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing, CrossEntropyStats* stats) {
  const Tensor& z = logits.value();
  if (z.rank() < 1) throw std::invalid_argument("softmaxCrossEntropy: logits must have a class axis");
  const int64_t classes = z.dim(-1);
  const int64_t rows = z.numel() / classes;
  if (static_cast<int64_t>(labels.size()) != rows)
    throw std::invalid_argument("softmaxCrossEntropy: " + std::to_string(labels.size()) + " labels for logits " +
                                shapeToString(z.shape()));
  checkSmoothing(labelSmoothing);
  for (std::size_t r = 0; r < labels.size(); ++r)
    if (labels[r] < 0 || labels[r] >= classes)
      throw std::out_of_range("softmaxCrossEntropy: label " + std::to_string(labels[r]) + " at row " +
                              std::to_string(r) + " is outside [0, " + std::to_string(classes) + ")");
#if GAPLAB_HAVE_CUDA
  if (z.device() == Device::kCuda) return cuda::softmaxCrossEntropy(tape, logits, labels, labelSmoothing, stats);
#endif

  Tensor probs = Tensor::empty({rows, classes});
  std::vector<double> rowLoss(static_cast<std::size_t>(rows)), rowSmoothLoss(static_cast<std::size_t>(rows));
  std::vector<uint8_t> rowCorrect(static_cast<std::size_t>(rows));
  const float* zv = z.data();
  float* p = probs.data();
  detail::parallelChunks(rows, classes * 4, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = zv + r * classes;
      float* pr = p + r * classes;
      int64_t argmax = 0;
      for (int64_t k = 1; k < classes; ++k)
        if (row[k] > row[argmax]) argmax = k;
      const float mx = row[argmax];
      double sum = 0.0, sumLogits = 0.0;
      for (int64_t k = 0; k < classes; ++k) {
        pr[k] = std::exp(row[k] - mx);
        sum += pr[k];
        sumLogits += row[k];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t k = 0; k < classes; ++k) pr[k] *= inv;
      const double logZ = mx + std::log(sum);
      const int32_t label = labels[static_cast<std::size_t>(r)];
      const double nll = logZ - row[label];
      const double uniformNll = logZ - sumLogits / static_cast<double>(classes);
      rowLoss[static_cast<std::size_t>(r)] = nll;
      rowSmoothLoss[static_cast<std::size_t>(r)] = (1.0 - labelSmoothing) * nll + labelSmoothing * uniformNll;
      rowCorrect[static_cast<std::size_t>(r)] = argmax == label;
    }
  });
  double lossSum = 0.0, smoothSum = 0.0;
  int64_t correct = 0;
  for (int64_t r = 0; r < rows; ++r) {
    lossSum += rowLoss[static_cast<std::size_t>(r)];
    smoothSum += rowSmoothLoss[static_cast<std::size_t>(r)];
    correct += rowCorrect[static_cast<std::size_t>(r)];
  }
  if (stats) {
    stats->lossSum += lossSum;
    stats->correct += correct;
    stats->rows += rows;
  }
  Variable loss(Tensor::full({}, static_cast<float>(smoothSum / static_cast<double>(rows))), RequiresGrad::kYes);
  if (tape.recording()) {
    auto op = std::make_unique<CrossEntropyOp>();
    op->logits = logits;
    op->loss = loss;
    op->probs = probs;
    op->labels.assign(labels.begin(), labels.end());
    op->smoothing = labelSmoothing;
    op->rows = rows;
    op->classes = classes;
    tape.push(std::move(op));
  }
  return loss;
}

}  // namespace gaplab
