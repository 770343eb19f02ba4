// core/cuda/kernels/attention_kernels.h — launchers of the non-product parts of
// causal self-attention (the products are cuBLAS calls in
// core/cuda/ops/attention_cuda.cpp): the head permutes between the packed
// [B, T, parts, H, dh] layout and the heads-major [parts, B, H, T, dh] one, the
// masked softmax and its backward. Plain pointers (device memory) and int64_t
// only; every launch goes on the compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// The packed layout of qkv (parts = 3: [q | k | v]) or of y and dy (parts = 1):
// [batch, seq, parts, heads, headDim], i.e. rows of parts * heads * headDim.
struct HeadsLayout {
  int64_t batch = 0, seq = 0, parts = 1, heads = 1, headDim = 1;
  int64_t numel() const { return batch * seq * parts * heads * headDim; }
};

// packed [B, T, parts, H, dh] -> heads [parts, B, H, T, dh] (written, contiguous):
// part p of head h in batch b becomes the [T, dh] matrix at
// heads + ((p * B + b) * H + h) * T * dh.
void launchSplitHeads(const float* packed, float* heads, const HeadsLayout& layout);

// The inverse: heads [parts, B, H, T, dh] -> packed [B, T, parts, H, dh], written
// (accumulate = false) or added (accumulate = true). Each element of packed is
// touched by one thread exactly once: no atomics, deterministic.
void launchMergeHeads(const float* heads, float* packed, const HeadsLayout& layout, bool accumulate);

// `batches` score matrices [seq, seq], matrix i at scores + i * batchStride, row
// t at + t * seq. In place: row t becomes softmax(row[0..t]) followed by zeros
// (position t attends to 0..t).
void launchCausalSoftmax(float* scores, int64_t batches, int64_t batchStride, int64_t seq);

// In place on dp (the gradient of the probabilities, same layout with its own
// stride): row t becomes dS = P * (dP - sum_j dP * P) on 0..t, zero after.
void launchCausalSoftmaxBackward(const float* probs, int64_t probsBatchStride, float* dp, int64_t dpBatchStride,
                                 int64_t batches, int64_t seq);

}  // namespace gaplab::cuda
