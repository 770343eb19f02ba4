// core/cuda/kernels/moe_kernels.h — the non-GEMM parts of the MoE op on the GPU:
// router softmax and top-k, the router statistics, gather, the experts'
// activations, the weighted combine and their backward.
//
// Why: core/cuda/ops/moe_cuda.cpp runs the expert products through cuBLAS and
// everything between them here. Each kernel repeats the formula of the CPU op
// (core/ops/moe.cpp) in the same order of operations, and every reduction has a
// fixed pattern (no atomics), so a run repeats bit for bit. Launchers take
// device pointers and int64_t sizes and enqueue on the compute stream.
//
// Names: N tokens, D width, E experts, K = top-k, M kept assignments ("rows",
// sorted by expert), H hidden width; assignment a = t*K + s is slot s of token t.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// One thread per token. In: probs holds the router logits [N, E]. Out: probs =
// softmax(logits), logSumExp[t], expert[a] (top-k by probability, ties to the
// lower index, slot 0 the most probable), gate[a] = p (renormalize: divided by
// the sum of the token's k chosen p).
void launchMoeRoute(float* probs, int64_t tokens, int64_t experts, int64_t topK, bool renormalize, float* logSumExp,
                    int32_t* expert, float* gate);
// sums[e] = sum over tokens of probs[t, e] (e < E) and sums[E] = sum of
// logSumExp[t]^2, in double; one block per output.
void launchMoeRouterSums(const float* probs, const float* logSumExp, int64_t tokens, int64_t experts, double* sums);

// gathered[row, :] = x[assignmentOfRow[row] / K, :] for rows [0, M).
void launchMoeGather(const float* x, const int64_t* assignmentOfRow, int64_t rows, int64_t width, int64_t topK,
                     float* gathered);
// h = gelu(h) in place over n elements; grad (may be null) receives gelu'(pre).
void launchMoeGeluForward(float* h, float* grad, int64_t n);
// h[r, j] = silu(pre[r, j]) * pre[r, H + j], pre: [M, 2H], h: [M, H].
void launchMoeSwigluForward(const float* pre, int64_t rows, int64_t hidden, float* h);
// y[t, :] = sum over kept slots s, in slot order, of gate[a] * expertOut[rowOf[a], :].
void launchMoeCombine(const float* expertOut, const int64_t* rowOf, const float* gate, int64_t tokens, int64_t topK,
                      int64_t width, float* y);

// One warp per row: dgate[a] = <dy[t], expertOut[row]> and dOut[row] = gate[a] * dy[t]
// for a = assignmentOfRow[row]. dgate of dropped assignments is not written.
void launchMoeGateGrad(const float* dy, const float* expertOut, const float* gate, const int64_t* assignmentOfRow,
                       int64_t rows, int64_t topK, int64_t width, float* dgate, float* dOut);
// dpre[i] *= geluGrad[i] (the saved gelu'(pre)).
void launchMoeMultiplyInPlace(float* dpre, const float* geluGrad, int64_t n);
// In place over pre = [gate | up] ([M, 2H]): gate <- d(gate), up <- d(up), from dh [M, H].
void launchMoeSwigluBackward(float* pre, const float* dh, int64_t rows, int64_t hidden);

// The router's backward, one thread per token:
//   dp[e] = auxScale * f[e] + (the gate gradient of e if chosen, through the renormalisation)
//   dLogits[t, e] = p[e] * (dp[e] - sum_j p[j] dp[j] + zScale * logSumExp[t])
// with auxScale = dAux * auxCoefficient * E / N and zScale = dAux * zCoefficient * 2 / N,
// dAux read from the device scalar `dAuxLoss` (null: 0). dgate holds 0 for dropped
// assignments (or is null when the output had no gradient).
void launchMoeRouterBackward(const float* probs, const float* logSumExp, const int32_t* expert, const float* gate,
                             const float* dgate, const double* routedFraction, const float* dAuxLoss,
                             double auxCoefficient, double zCoefficient, int64_t tokens, int64_t experts,
                             int64_t topK, bool renormalize, float* dLogits);
// dx[t, :] += sum over kept slots s, in slot order, of dxs[rowOf[a], :].
void launchMoeScatterAdd(const float* dxs, const int64_t* rowOf, int64_t tokens, int64_t topK, int64_t width,
                         float* dx);

}  // namespace gaplab::cuda
