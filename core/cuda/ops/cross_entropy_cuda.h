// core/cuda/ops/cross_entropy_cuda.h — the CUDA twin of core/ops/cross_entropy.h.
// core/ops/cross_entropy.cpp validates the labels on the host and calls this
// when the logits live on the GPU; same shapes, same gradient contract. The loss
// is a 1-element cuda tensor, so a training step never waits for the GPU; only a
// call with `stats` (evaluation) reads two numbers back and synchronises.
#pragma once

#include "core/ops/cross_entropy.h"

namespace gaplab::cuda {

// logits: [..., K] (cuda), labels: host, one per row -> scalar mean loss (cuda);
// uploads the labels, then the device-label version below.
Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, std::span<const int32_t> labels,
                             float labelSmoothing, CrossEntropyStats* stats);

// logits: [..., K] (cuda), deviceLabels: `rows` int32 on the device, not copied
// (kept by pointer for backward) -> scalar mean loss (cuda). No host copy and no
// synchronisation: capturable in a CUDA graph.
Variable softmaxCrossEntropy(Tape& tape, const Variable& logits, const int32_t* deviceLabels, int64_t rows,
                             float labelSmoothing);

}  // namespace gaplab::cuda
