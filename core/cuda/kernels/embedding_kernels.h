// core/cuda/kernels/embedding_kernels.h — launchers of the embedding op's
// kernels: the row gather of forward and two forms of the per-row ordered sum
// of backward (positions grouped on the host, or ids scanned on the device).
// Plain pointers (device memory) and int64_t only; every launch goes on the
// compute stream.
#pragma once

#include <cstdint>

namespace gaplab::cuda {

// y[t, :] = table[ids[t], :] for t < count; table is [V, d], y is [count, d].
void launchEmbeddingGather(const int32_t* ids, const float* table, float* y, int64_t count, int64_t d);

// The backward scatter-add, without atomics. The positions of each used table
// row come grouped (built on the host from the ids): row rows[u] receives
// dy[positions[k], :] for k in starts[u] .. starts[u+1], added one after the
// other in that order (the CPU op's order), so the result is deterministic.
//   rows: [used]  starts: [used + 1]  positions: [count]  dy: [count, d]  dTable: [V, d] (+=)
void launchEmbeddingBackward(const int32_t* rows, const int32_t* starts, const int32_t* positions, int64_t used,
                             const float* dy, float* dTable, int64_t d);

// The backward scatter-add from the ids alone, with no host work (capturable):
// one block per (table row, tile of columns) scans all `count` ids in order and
// adds dy[t, :] to its row where ids[t] == row, so each row's sum runs in
// position order (the CPU op's order) without atomics. O(vocab * count) id
// reads: meant for small tables (the launcher accepts any vocab; the op limits it).
//   ids: [count] (in [0, vocab), unchecked)  dy: [count, d]  dTable: [vocab, d] (+=)
void launchEmbeddingBackwardScan(const int32_t* ids, int64_t count, const float* dy, float* dTable, int64_t vocab,
                                 int64_t d);

}  // namespace gaplab::cuda
