// core/ops/embedding.h — token ids to rows of a learned table.
//
// Why: language models start from a lookup of each byte/token id in a [V, D]
// table. The ids are integers, not activations, so they are passed as a plain
// vector with their shape; only the table receives a gradient.
//
// Gradient contract (all ops): parameter gradients accumulate (+=) into the
// arena; input gradients follow Variable::gradForWrite (= first, then +=).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// ids: idsShape (row-major, values in [0, V))  table: [V, D]  ->  y: [idsShape..., D]
// Throws std::out_of_range naming the id, its position and V for an id outside [0, V).
Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table);

// The largest table (rows V) the device-ids overload accepts: its backward scans
// all ids once per table row (O(V * T) id reads), cheap for bytes (V = 256) and
// position tables (V = context), not for large vocabularies.
inline constexpr int64_t kMaxDeviceIdsEmbeddingRows = 4096;

// ids already on the GPU (GPU only): deviceIds holds shapeNumel(idsShape) int32
// values in device memory (e.g. a workload's staged batch), so neither forward
// nor backward touches the host and the step can be captured in a CUDA graph
// (core/device_graph.h). The same result and gradient as the host-ids overload;
// the table gradient sums each row's dy rows in position order, as on the CPU
// (deterministic, bit-identical reruns).
// The ids are NOT range-checked (that would read them back): the caller
// guarantees each lies in [0, V), as the host overload checks. The buffer must
// stay valid until the tape's backward has run; `keepAlive`, when given, owns
// it and is held by the op until then (for ids uploaded just for this call).
// Throws std::invalid_argument for an undefined or non-[V, D] table, a table
// not on cuda, V > kMaxDeviceIdsEmbeddingRows, or null ids with a non-empty
// shape; in a build without the CUDA backend it throws std::invalid_argument
// ("device ids need the CUDA backend").
Variable embedding(Tape& tape, const int32_t* deviceIds, const Shape& idsShape, const ParamView& table,
                   std::shared_ptr<const void> keepAlive = nullptr);

}  // namespace gaplab
