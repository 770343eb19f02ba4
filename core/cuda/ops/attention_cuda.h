// core/cuda/ops/attention_cuda.h — the CUDA twin of core/ops/attention.h:
// strided-batched cuBLAS products for q k^T, P v and their gradients, and a
// row-wise masked softmax kernel. core/ops/attention.cpp calls it, after its
// checks, when qkv lives on the GPU; same layout, same gradient contract.
#pragma once

#include "core/ops/attention.h"

namespace gaplab::cuda {

// qkv: [B, T, 3*D] = [q | k | v] (cuda), D divisible by heads  ->  y: [B, T, D] (cuda)
Variable causalSelfAttention(Tape& tape, const Variable& qkv, int64_t heads);

}  // namespace gaplab::cuda
