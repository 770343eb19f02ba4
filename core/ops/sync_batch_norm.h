// core/ops/sync_batch_norm.h — BatchNorm whose statistics cover the global batch of
// all ranks of a trial (DESIGN.md "BatchNorm across ranks: synchronized").
//
// Why a separate op: local BatchNorm (each rank normalises its own batch, i.e.
// the rank's batch is its ghost batch) and Ghost BatchNorm need no communication;
// the synchronised form all-reduces per-channel sums twice in forward (mean, then
// centred squares) and once in backward (sum dy, sum dy*xhat), as PyTorch's
// SyncBatchNorm does. Parameter gradients stay local: the trainer averages them
// with all other gradients. Eval mode uses the running statistics (no collective).
#pragma once

#include "core/ops/batch_norm.h"
#include "core/rank_sum.h"

namespace gaplab {

// x: [N_local, C] or [N_local, C, H, W]; options.ghostSize must be 0.
Variable syncBatchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                       const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                       NormMode mode, RankSum& ranks);

}  // namespace gaplab
