// core/cuda/ops/batch_norm_cuda.h — the CUDA twin of core/ops/batch_norm.h
// (BatchNorm and Ghost BatchNorm, fused ReLU, train and eval). core/ops/batch_norm.cpp
// validates the shapes and options and calls it when the input lives on the GPU;
// same statistics (two-pass variance, running stats updated once per ghost batch
// in ghost order), same gradient contract (gamma/beta +=, dx = then +=).
#pragma once

#include "core/ops/batch_norm.h"

namespace gaplab::cuda {

// x: [N, C] or [N, C, H, W] (cuda); gamma, beta, runningMean, runningVar: [C] (cuda arena).
Variable batchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                   NormMode mode);

}  // namespace gaplab::cuda
