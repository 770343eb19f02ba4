// core/ops/moe_routing.cpp — see moe_routing.h.
#include "core/ops/moe_routing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gaplab::detail {

int64_t moeCapacity(float capacityFactor, int64_t assignments, int64_t experts) {
  if (!(capacityFactor > 0.0f)) return std::numeric_limits<int64_t>::max();
  // The factor times the assignment count is rounded to float first, so that a
  // factor like 0.1f times 80 assignments gives exactly 8, not 8.0000001.
  const float scaled = capacityFactor * static_cast<float>(assignments);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(scaled) / experts)));
}

MoeRows moeAssignRows(const std::vector<int32_t>& expert, int64_t tokens, int64_t topK, int64_t experts,
                      float capacityFactor) {
  const int64_t N = tokens, K = topK, E = experts;
  MoeRows r;
  // Capacity, slot by slot and in token order within a slot.
  std::vector<int64_t> routed(static_cast<std::size_t>(E), 0), kept(static_cast<std::size_t>(E), 0);
  for (int32_t e : expert) ++routed[static_cast<std::size_t>(e)];
  const int64_t capacity = moeCapacity(capacityFactor, N * K, E);
  std::vector<uint8_t> keep(static_cast<std::size_t>(N * K), 0);
  for (int64_t s = 0; s < K; ++s)
    for (int64_t t = 0; t < N; ++t) {
      const std::size_t a = static_cast<std::size_t>(t * K + s);
      int64_t& count = kept[static_cast<std::size_t>(expert[a])];
      if (count < capacity) {
        keep[a] = 1;
        ++count;
      }
    }
  r.offsets.assign(static_cast<std::size_t>(E + 1), 0);
  for (int64_t e = 0; e < E; ++e)
    r.offsets[static_cast<std::size_t>(e + 1)] =
        r.offsets[static_cast<std::size_t>(e)] + kept[static_cast<std::size_t>(e)];
  std::vector<int64_t> cursor(r.offsets.begin(), r.offsets.end() - 1);
  r.rowOf.assign(static_cast<std::size_t>(N * K), -1);
  r.assignmentOfRow.resize(static_cast<std::size_t>(r.kept()));
  for (int64_t a = 0; a < N * K; ++a) {
    if (!keep[static_cast<std::size_t>(a)]) continue;
    const int64_t row = cursor[static_cast<std::size_t>(expert[static_cast<std::size_t>(a)])]++;
    r.rowOf[static_cast<std::size_t>(a)] = row;
    r.assignmentOfRow[static_cast<std::size_t>(row)] = a;
  }
  r.routedFraction.resize(static_cast<std::size_t>(E));
  for (int64_t e = 0; e < E; ++e)
    r.routedFraction[static_cast<std::size_t>(e)] =
        static_cast<double>(routed[static_cast<std::size_t>(e)]) / static_cast<double>(N * K);
  return r;
}

}  // namespace gaplab::detail
