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
#include <vector>

#include "core/autograd/tape.h"
#include "core/parameter_arena.h"

namespace gaplab {

// ids: idsShape (row-major, values in [0, V))  table: [V, D]  ->  y: [idsShape..., D]
// Throws std::out_of_range naming the id, its position and V for an id outside [0, V).
Variable embedding(Tape& tape, const std::vector<int32_t>& ids, const Shape& idsShape, const ParamView& table);

}  // namespace gaplab
