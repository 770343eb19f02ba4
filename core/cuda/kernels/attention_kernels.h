// core/cuda/kernels/attention_kernels.h — launchers of the row-wise parts of
// causal self-attention (the products are cuBLAS calls in
// core/cuda/ops/attention_cuda.cpp): the masked softmax and its backward.
// Plain pointers (device memory) and int64_t only; every launch goes on the
// compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// `batches` score matrices [seq, seq], matrix i at scores + i * batchStride, row
// t at + t * seq. In place: row t becomes softmax(row[0..t]) followed by zeros
// (position t attends to 0..t).
void launchCausalSoftmax(float* scores, int64_t batches, int64_t batchStride, int64_t seq);

// In place on dp (the gradient of the probabilities, same layout with its own
// stride): row t becomes dS = P * (dP - sum_j dP * P) on 0..t, zero after.
void launchCausalSoftmaxBackward(const float* probs, int64_t probsBatchStride, float* dp, int64_t dpBatchStride,
                                 int64_t batches, int64_t seq);

}  // namespace gaplab::cuda
