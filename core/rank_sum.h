// core/rank_sum.h — the one collective core needs: a sum over the ranks of a trial.
//
// Why: synchronised BatchNorm computes its statistics over the global batch, but
// core must not include MPI (DESIGN.md: dependencies point down). Core declares
// this interface; distributed/ implements it (every Communicator is a RankSum).
#pragma once

#include <cstdint>

namespace gaplab {

class RankSum {
 public:
  virtual ~RankSum() = default;
  virtual int ranks() const = 0;
  // In-place sum over the ranks, in a fixed order (the same on every rank).
  virtual void sumInPlace(float* data, int64_t count) = 0;
};

}  // namespace gaplab
