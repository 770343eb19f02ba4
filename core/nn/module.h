// core/nn/module.h — a layer that owns parameter views and calls ops.
//
// Why: models are built once (declaring parameters in the arena) and run many
// times; a Module is the unit of that, as in flashlight. Modules hold views into
// the ParameterArena, never parameter storage of their own.
#pragma once

#include <cstdint>
#include <string>

#include "core/autograd/tape.h"
#include "core/ops/batch_norm.h"

namespace gaplab {

// What a forward pass needs besides its input: train/eval mode and the
// (seed, step) that key per-step randomness such as dropout masks.
struct ForwardContext {
  NormMode mode = NormMode::kTrain;
  uint64_t seed = 0;
  int64_t step = 0;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual Variable forward(Tape& tape, const Variable& x, const ForwardContext& context) = 0;
  // One line such as "Linear(784 -> 1024)", for model summaries.
  virtual std::string describe() const = 0;
};

}  // namespace gaplab
