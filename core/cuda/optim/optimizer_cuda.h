// core/cuda/optim/optimizer_cuda.h — the device branch of every optimizer step
// and of gradient clipping, for an arena moved to the GPU.
//
// Why: Sgd, AdamW, NAdamW, Lamb and clipGradNorm keep one public API for both
// devices; when arena.device() is kCuda their step calls the function here
// (after the same argument checks), which launches the kernels of
// core/cuda/kernels/optimizer_kernels.h over the flat device buffers. Semantics,
// state names and scalars are those of the CPU code; see each optimizer's header.
#pragma once

#include <memory>

#include "core/cuda/kernels/optimizer_kernels.h"
#include "core/optim/adam_moments.h"
#include "core/optim/lamb.h"
#include "core/optim/sgd.h"

namespace gaplab::cuda {

// Sgd::step on the device: one launch per decay segment.
void sgdStep(ParameterArena& arena, const SgdOptions& options, float learningRate);

// AdamW / NAdamW on the device (detail::decoupledAdamStep): one launch per decay segment.
void decoupledAdamStep(ParameterArena& arena, DeviceAdamVariant variant, const detail::AdamStep& s,
                       float weightDecay, float learningRate, const char* firstState, const char* secondState);

// Lamb::step on the device. Returns the per-tensor trust ratios as device
// doubles, one per arena.params() entry; they stay there until read.
std::shared_ptr<void> lambStep(ParameterArena& arena, const LambOptions& options, const detail::AdamStep& s,
                               float learningRate);

// globalGradNorm / clipGradNorm on the device. The norm is reduced and applied
// on the GPU; returning it as a double costs one 8-byte copy to the host (the
// only synchronisation of a clipped step).
double globalGradNorm(const ParameterArena& arena);
double clipGradNorm(ParameterArena& arena, double maxNorm);

}  // namespace gaplab::cuda
