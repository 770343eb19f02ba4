// core/cuda/ops/embedding_cuda.h — the CUDA twin of core/ops/embedding.h: a
// gather kernel forward, a deterministic per-row sum backward (no atomics).
// core/ops/embedding.cpp calls it, after validating the ids, when the table's
// arena lives on the GPU; same shapes, same gradient contract. The device-ids
// form scans the ids in its backward instead (no host grouping).
#pragma once

#include "core/ops/embedding.h"

namespace gaplab::cuda {

// ids: idsShape (host, already checked to lie in [0, V))  table: [V, D] (cuda)  ->  y: [idsShape..., D] (cuda)
Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table);

// ids: idsShape int32 on the device (unchecked; the caller guarantees [0, V))
// table: [V, D] (cuda, V <= kMaxDeviceIdsEmbeddingRows, checked by the caller)
// -> y: [idsShape..., D] (cuda). No host work in forward or backward (capturable).
// `keepAlive`, when set, owns the ids buffer and is held until backward has run.
Variable embedding(Tape& tape, const int32_t* deviceIds, const Shape& idsShape, const ParamView& table,
                   std::shared_ptr<const void> keepAlive);

}  // namespace gaplab::cuda
