// core/ops/moe_routing.h — the capacity rule and the expert-sorted row layout of
// the MoE op, shared by the CPU op and its CUDA twin.
//
// Why: which assignments an expert keeps under a capacity limit, and in which
// row each kept assignment lands, must be decided identically on both devices
// (the CUDA op computes the top-k on the GPU and this layout on the host, where
// its sequential rule is cheap). See core/ops/moe.h for the rule itself.
#pragma once

#include <cstdint>
#include <vector>

namespace gaplab::detail {

// The kept assignments (a = token * topK + slot) sorted by (expert, token, slot).
struct MoeRows {
  std::vector<int64_t> rowOf;            // [N*k] row of assignment a, -1 when dropped
  std::vector<int64_t> assignmentOfRow;  // [M] inverse of rowOf over the kept assignments
  std::vector<int64_t> offsets;          // [E+1] expert e owns rows offsets[e]..offsets[e+1]
  std::vector<double> routedFraction;    // [E] f_e: share of the N*k assignments routed to e, before dropping
  int64_t kept() const { return offsets.back(); }
};

// Per-expert capacity: ceil(capacityFactor * assignments / experts) with the
// product rounded to float first, at least 1; no limit (INT64_MAX) when
// capacityFactor is 0.
int64_t moeCapacity(float capacityFactor, int64_t assignments, int64_t experts);

// `expert` holds the chosen expert of every assignment ([tokens * topK]). Each
// expert keeps at most moeCapacity(...) assignments, slot by slot and in token
// order within a slot; the rest are dropped.
MoeRows moeAssignRows(const std::vector<int32_t>& expert, int64_t tokens, int64_t topK, int64_t experts,
                      float capacityFactor);

}  // namespace gaplab::detail
