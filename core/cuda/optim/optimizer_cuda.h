// core/cuda/optim/optimizer_cuda.h — the device branch of every optimizer step
// and of gradient clipping, for an arena moved to the GPU.
//
// Why: Sgd, AdamW, NAdamW, Lamb and clipGradNorm keep one public API for both
// devices. On a GPU arena an optimizer step is Optimizer::stageStep (host: the
// step's scalars into a pinned block, core/cuda/step_scalars.h) then
// Optimizer::enqueueUpdate (device only: the block's copy and the kernels of
// core/cuda/kernels/optimizer_kernels.h over the flat device buffers), so that
// the device half can be captured in a CUDA graph. The stage* functions below
// are the host halves, the enqueue* functions the capturable device halves: no
// allocation, no pageable copy, every step-dependent number read from the
// device scalar block. Semantics, state names and scalars are those of the CPU
// code; see each optimizer's header.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/cuda/kernels/optimizer_kernels.h"
#include "core/optim/adam_moments.h"
#include "core/optim/lamb.h"
#include "core/optim/sgd.h"

namespace gaplab::cuda {

// Sgd on the device: the scalars of this step, then one launch per decay segment.
// stageSgd also creates the momentum state (a pageable upload) outside any capture.
void stageSgd(ParameterArena& arena, const SgdOptions& options, float learningRate, DeviceSgdScalars* host);
void enqueueSgd(ParameterArena& arena, const SgdOptions& options, const DeviceSgdScalars* device);

// AdamW / NAdamW on the device (detail::decoupledAdamStep): one launch per decay segment.
void stageDecoupledAdam(ParameterArena& arena, const detail::AdamStep& s, float weightDecay, float learningRate,
                        const char* firstState, const char* secondState, DeviceAdamWScalars* host);
void enqueueDecoupledAdam(ParameterArena& arena, DeviceAdamVariant variant, const DeviceAdamWScalars* device,
                          const char* firstState, const char* secondState);

// What LAMB keeps on the device between steps: the chunk table and each
// tensor's first chunk (uploaded once, rebuilt when the arena's layout changes;
// a graph captured before a rebuild must be captured again), the scratch of
// the three passes and the trust ratios (device doubles, one per
// arena.params() entry, overwritten by every step).
struct LambWorkspace {
  struct ParamKey {
    int64_t offset = 0, numel = 0;
    WeightDecay decay = WeightDecay::kApply;
    bool operator==(const ParamKey&) const = default;
  };
  std::vector<ParamKey> layout;  // what the tables were built for
  float weightDecay = 0.0f;
  int64_t arenaSize = -1;
  int64_t numChunks = 0, numParams = 0;
  std::shared_ptr<void> chunkTable;     // LambChunk [numChunks]
  std::shared_ptr<void> chunkBegin;     // int64 [numParams + 1]
  std::shared_ptr<float> direction;     // float [arena size]
  std::shared_ptr<void> chunkSquares;   // double [2 * numChunks]
  std::shared_ptr<void> scales;         // float [numParams]
  std::shared_ptr<void> ratios;         // double [numParams]
};

// Lamb on the device: stageLamb (re)builds `workspace` when needed, creates the
// moments and writes this step's scalars; enqueueLamb launches the three passes.
void stageLamb(LambWorkspace& workspace, ParameterArena& arena, const LambOptions& options,
               const detail::AdamStep& s, float learningRate, DeviceLambScalars* host);
void enqueueLamb(const LambWorkspace& workspace, ParameterArena& arena, const DeviceLambScalars* device);

// globalGradNorm / clipGradNorm on the device. The norm is reduced and applied
// on the GPU; returning it as a double costs one 8-byte copy to the host (the
// only synchronisation of a clipped step).
double globalGradNorm(const ParameterArena& arena);
double clipGradNorm(ParameterArena& arena, double maxNorm);

}  // namespace gaplab::cuda
