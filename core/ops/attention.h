// core/ops/attention.h — causal multi-head self-attention over a fused q|k|v projection.
//
// Why: GPT-style language models let every position attend to its past. Taking
// the output of the fused qkv projection as it is ([q | k | v] along the last
// axis, as PyTorch's c_attn) spares the split and head-transpose copies: the op
// reads each head in place through strided views and writes y with the heads
// concatenated, ready for the output projection.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include <cstdint>

#include "core/autograd/tape.h"

namespace gaplab {

// qkv: [B, T, 3*D] = [q | k | v]; head h of q, k and v is columns h*dh .. (h+1)*dh of
// its part, dh = D / heads  ->  y: [B, T, D], head h in columns h*dh .. (h+1)*dh.
// y = softmax(q k^T / sqrt(dh) with position t attending to 0..t) v, per batch and head.
// Throws std::invalid_argument unless qkv has rank 3, a last axis divisible by 3 and
// D divisible by heads. Results do not depend on the thread count.
Variable causalSelfAttention(Tape& tape, const Variable& qkv, int64_t heads);

}  // namespace gaplab
