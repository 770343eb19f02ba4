// core/cuda/ops/embedding_cuda.h — the CUDA twin of core/ops/embedding.h: a
// gather kernel forward, a deterministic per-row sum backward (no atomics).
// core/ops/embedding.cpp calls it, after validating the ids, when the table's
// arena lives on the GPU; same shapes, same gradient contract.
#pragma once

#include "core/ops/embedding.h"

namespace gaplab::cuda {

// ids: idsShape (host, already checked to lie in [0, V))  table: [V, D] (cuda)  ->  y: [idsShape..., D] (cuda)
Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table);

}  // namespace gaplab::cuda
