// core/ops/moe.h — a sparse Mixture-of-Experts feed-forward block as one coarse op.
//
// Why: the sparse-MoE studies (DESIGN.md "Studies of gaps", the moe8k2 benchmark)
// need router, top-k dispatch, the experts' FFNs, the weighted combine and the
// Switch/GShard auxiliary losses in one place: fused, the op gathers each
// expert's tokens into one contiguous block and runs the expert as two GEMMs,
// instead of one small op per expert and per gather on the tape.
//
// Forward, for tokens x [N, D] and experts e = 0..E-1:
//   logits = x W_r^T [N, E], p = softmax(logits), the top-k experts of each token by p
//   (ties go to the lower index; slot 0 is the most probable), gate g = p of the
//   chosen expert (kNone) or p / (sum of the k chosen p) (kRenormalize);
//   expert e on its tokens: h = act(x W1_e^T), out = h W2_e^T;
//   y[t] = sum over the kept assignments of t, in slot order, of g * out.
// Auxiliary loss (a differentiable scalar, gradient to the router only):
//   aux = E * sum_e f_e P_e  (f_e: fraction of the N*k assignments routed to e before
//   capacity dropping, no gradient; P_e: mean over tokens of p_e),
//   z = mean over tokens of logsumexp(logits)^2,
//   auxLoss = auxLossCoefficient * aux + zLossCoefficient * z.
// Capacity: with capacityFactor > 0 each expert keeps at most
// ceil(capacityFactor * N * k / E) assignments, taken slot by slot (every token's
// first choice before any second choice, as Switch/GShard) and in token order within
// a slot; the others are dropped (they add nothing to y) and counted.
//
// Determinism: every expert block, weight-gradient slice and token row is computed
// by one thread in a fixed order, with products that never split across threads, so
// results are bit-identical across runs and thread counts.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include <cstdint>
#include <vector>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// How the gates of a token's chosen experts are formed from the router softmax.
enum class RouterNormalization {
  kNone,         // the softmax probabilities themselves (Switch, the PyTorch reference)
  kRenormalize,  // divided by their sum over the k chosen experts (Mixtral)
};

// The experts' hidden activation.
enum class ExpertActivation {
  kGelu,    // h = gelu(x W1^T), W1: [H, D]
  kSwiglu,  // h = silu(x Wg^T) * (x Wu^T), W1 = [Wg | Wu] stacked by rows: [2H, D]
};

struct MoeOptions {
  int64_t experts = 8;
  int64_t topK = 2;
  RouterNormalization normalization = RouterNormalization::kNone;
  ExpertActivation activation = ExpertActivation::kGelu;
  float auxLossCoefficient = 1e-2f;
  float zLossCoefficient = 1e-3f;
  // 0: no capacity limit; else capacity = ceil(capacityFactor * tokens * topK / experts) per expert.
  float capacityFactor = 0.0f;
};

// Views into the arena, one slab per expert.
struct MoeParams {
  ParamView router;  // [E, D]
  ParamView w1;      // [E, H, D] (kGelu) or [E, 2H, D] (kSwiglu: gate rows, then up rows)
  ParamView w2;      // [E, D, H]
};

// Routing statistics. moeFeedForward adds one batch into a given MoeStats (as
// CrossEntropyStats), so one object can gather several layers or steps.
struct MoeStats {
  std::vector<int64_t> tokensPerExpert;  // assignments kept, per expert
  int64_t assignments = 0;               // assignments routed (tokens * topK), before dropping
  int64_t dropped = 0;                   // assignments dropped for capacity
  double auxLoss = 0.0;                  // unscaled E * sum f P, summed over merged batches
  double zLoss = 0.0;                    // unscaled mean logsumexp^2, summed over merged batches

  // Population standard deviation over mean of tokensPerExpert (0 when nothing was kept).
  double loadCoefficientOfVariation() const;
  // tokensPerExpert[e] / sum of tokensPerExpert (all 0 when nothing was kept).
  std::vector<double> loadFractions() const;
  // Adds `other` in: counts and losses are summed. Throws std::invalid_argument when
  // both hold per-expert counts of different lengths.
  void merge(const MoeStats& other);
};

struct MoeOutput {
  Variable y;        // same shape as x
  Variable auxLoss;  // scalar: auxLossCoefficient * aux + zLossCoefficient * z
};

// x: [..., D] (N = numel / D tokens) -> y: [..., D], auxLoss: []. Throws
// std::invalid_argument for bad options or shapes that do not fit together.
// `stats`, when given, receives this batch's routing statistics (added in).
MoeOutput moeFeedForward(Tape& tape, const Variable& x, const MoeParams& params, const MoeOptions& options,
                         MoeStats* stats = nullptr);

}  // namespace gaplab
