// core/cuda/ops/sync_batch_norm_cuda.h — the CUDA twin of core/ops/sync_batch_norm.h
// (training mode; eval mode is plain BatchNorm and dispatches there).
//
// Why the sums cross the host: RankSum::sumInPlace takes host floats (core must
// not know NCCL). The per-channel sums are small (C + 1, C and 2C floats per
// step), so each is computed on the GPU, copied to the host, summed over ranks,
// and copied back; the three copies to the host synchronise the stream, which
// the collective needs anyway. Everything over N*C*H*W stays on the GPU.
#pragma once

#include "core/ops/sync_batch_norm.h"

namespace gaplab::cuda {

// x: [N_local, C] or [N_local, C, H, W] (cuda); options.ghostSize == 0; mode kTrain.
Variable syncBatchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                       const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                       RankSum& ranks);

}  // namespace gaplab::cuda
