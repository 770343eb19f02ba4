// core/cuda/ops/attention_cuda.h — the CUDA twin of core/ops/attention.h:
// one strided-batched cuBLAS product over all (batch, head) pairs for each of
// q k^T, P v and their gradients, a row-wise masked softmax kernel, and the
// permutes between the packed qkv layout and heads-major q, k, v.
// core/ops/attention.cpp calls it, after its checks, when qkv lives on the GPU;
// same layout, same gradient contract.
#pragma once

#include "core/ops/attention.h"

namespace gaplab::cuda {

// qkv: [B, T, 3*D] = [q | k | v] (cuda), D divisible by heads  ->  y: [B, T, D] (cuda)
Variable causalSelfAttention(Tape& tape, const Variable& qkv, int64_t heads);

}  // namespace gaplab::cuda
