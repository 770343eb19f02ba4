// core/ops/batch_norm.h — BatchNorm and Ghost BatchNorm (Hoffer et al. 2017) in one op.
//
// Why one op: Ghost BatchNorm is BatchNorm whose statistics are taken over
// "ghost" sub-batches of size g instead of the whole batch; g = whole batch
// is plain BatchNorm. Running statistics are updated once per ghost batch, in
// ghost order, with PyTorch's convention (unbiased variance, momentum m:
// running = (1 - m) running + m batch). An optional ReLU is fused in, because
// Linear -> BN -> ReLU is the hot path of every MLP here.
//
// Layouts: [N, C] (BatchNorm1d) and [N, C, H, W] (BatchNorm2d; statistics over
// N, H and W). Gradient contract: gamma/beta gradients accumulate (+=).
#pragma once

#include "core/autograd/tape.h"
#include "core/ops/linear.h"
#include "core/parameter_arena.h"

namespace gaplab {

enum class NormMode { kTrain, kEval };

struct BatchNormOptions {
  int64_t ghostSize = 0;  // examples per ghost batch; 0 = the whole batch (plain BatchNorm)
  float momentum = 0.1f;
  float eps = 1e-5f;
  FusedActivation activation = FusedActivation::kNone;  // kNone or kRelu
};

// x: [N, C] or [N, C, H, W]; gamma, beta, runningMean, runningVar: [C].
Variable batchNorm(Tape& tape, const Variable& x, const ParamView& gamma, const ParamView& beta,
                   const BufferView& runningMean, const BufferView& runningVar, const BatchNormOptions& options,
                   NormMode mode);

}  // namespace gaplab
