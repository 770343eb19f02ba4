// core/ops/cross_entropy.h — fused softmax + cross-entropy with label smoothing.
//
// Why fused: softmax followed by log-likelihood has the simple gradient
// (p - q) / N and avoids storing log-probabilities twice; computing it in one
// pass is also numerically stable (max subtraction, log-sum-exp).
// Target distribution q = (1 - eps) onehot(label) + eps / K, as PyTorch's
// cross_entropy(label_smoothing=eps).
#pragma once

#include <cstdint>
#include <span>

#include "core/autograd/tape.h"

namespace gaplab {

// Per-batch statistics gathered during the forward, for metrics at no extra cost.
struct CrossEntropyStats {
  double lossSum = 0.0;   // summed (not averaged) loss over the rows, without smoothing
  int64_t correct = 0;    // rows whose arg-max equals the label
  int64_t rows = 0;
  double mean() const { return rows ? lossSum / static_cast<double>(rows) : 0.0; }
  double accuracy() const { return rows ? static_cast<double>(correct) / static_cast<double>(rows) : 0.0; }
};

// logits: [..., K], labels: one per row (numel / K) -> scalar mean loss (with smoothing).
// `stats`, when given, receives the unsmoothed loss sum and the number of correct rows.
Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing = 0.0f, CrossEntropyStats* stats = nullptr);

// labels: `rows` int32 on the device (e.g. a workload's static batch buffer); the
// same loss and gradient as the host-label version; no host copy (capturable).
// logits must be on cuda with numel / K == rows, else std::invalid_argument; in a
// build without the CUDA backend it throws std::invalid_argument ("device labels
// need the CUDA backend"). The labels cannot be checked on the host: each must be
// in [0, K). The buffer must stay valid until the tape's backward has run.
Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, const int32_t* deviceLabels, int64_t rows,
                             float labelSmoothing = 0.0f);

}  // namespace gaplab
