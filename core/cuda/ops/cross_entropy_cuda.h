// core/cuda/ops/cross_entropy_cuda.h — the CUDA twin of core/ops/cross_entropy.h.
// core/ops/cross_entropy.cpp validates the labels on the host and calls this
// when the logits live on the GPU; same shapes, same gradient contract. The loss
// is a 1-element cuda tensor, so a training step never waits for the GPU; only a
// call with `stats` (evaluation) reads two numbers back and synchronises.
#pragma once

#include "core/ops/cross_entropy.h"

namespace gaplab::cuda {

// logits: [..., K] (cuda), labels: host, one per row -> scalar mean loss (cuda)
Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing, CrossEntropyStats* stats);

}  // namespace gaplab::cuda
