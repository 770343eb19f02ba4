// core/cuda/step_scalars.h — the per-step scalars of an optimizer (learning
// rate, bias corrections, decay factors) in a pinned host block and its device
// twin, so that the GPU update can be captured in a CUDA graph.
//
// Why: a captured graph freezes kernel arguments, but the learning rate and the
// step-dependent scalars change every step, and a pageable host->device copy
// cannot be captured at all. The host writes this step's scalars into a pinned
// block (stage); the device side is one cudaMemcpyAsync of that block to device
// memory plus an event record (enqueueCopy), both capturable. The kernels read
// their scalars from the device block, and a replayed graph replays the copy, so
// it reads the block as the last stage() left it. stage() first waits on the
// event until the previous copy has executed, so a block the GPU has yet to read
// is never overwritten.
//
// Only CUDA-build .cpp files include this header; core/optim/optimizer.h holds a
// StepScalars through a forward declaration.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

#include "core/cuda/stream.h"

namespace gaplab::cuda {

class StepScalars {
 public:
  // Room for the largest scalar struct of any optimizer (a few dozen bytes today).
  static constexpr std::size_t kCapacity = 256;

  StepScalars();  // cudaHostAlloc'ed host block, a device block from the cache, an event
  ~StepScalars();
  StepScalars(const StepScalars&) = delete;
  StepScalars& operator=(const StepScalars&) = delete;

  // Host side: waits until the copy of the last enqueueCopy() (eager or in a
  // replayed graph) has executed, then returns the pinned block to write.
  void* stage();
  template <class T>
  T* stageAs() {
    static_assert(sizeof(T) <= kCapacity && std::is_trivially_copyable_v<T>);
    return static_cast<T*>(stage());
  }

  // Device side, capturable: copies the pinned block to the device block on the
  // compute stream and records the event after it; returns the device block.
  const void* enqueueCopy();
  template <class T>
  const T* enqueueCopyAs() {
    static_assert(sizeof(T) <= kCapacity && std::is_trivially_copyable_v<T>);
    return static_cast<const T*>(enqueueCopy());
  }

 private:
  void* host_ = nullptr;
  std::shared_ptr<void> device_;
  CudaEvent copied_;
};

}  // namespace gaplab::cuda
