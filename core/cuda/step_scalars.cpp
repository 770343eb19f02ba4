// core/cuda/step_scalars.cpp — see step_scalars.h.
#include "core/cuda/step_scalars.h"

#include <cstring>

#include "core/cuda/cuda_check.h"
#include "core/device_memory.h"

namespace gaplab::cuda {

StepScalars::StepScalars() {
  device_ = allocateDeviceBytes(kCapacity);
  GAPLAB_CUDA_CHECK(cudaHostAlloc(&host_, kCapacity, cudaHostAllocDefault));
  std::memset(host_, 0, kCapacity);
}

StepScalars::~StepScalars() {
  if (host_ == nullptr) return;
  // A copy still queued may read the pinned block: wait for it (no throw here).
  cudaEventSynchronize(copied_.get());
  cudaFreeHost(host_);
}

void* StepScalars::stage() {
  copied_.synchronize();  // returns at once when never recorded
  return host_;
}

const void* StepScalars::enqueueCopy() {
  cudaStream_t stream = computeStream();
  GAPLAB_CUDA_CHECK(cudaMemcpyAsync(device_.get(), host_, kCapacity, cudaMemcpyHostToDevice, stream));
  // Under stream capture a plain record only marks a fork/join point; the
  // external flag makes it a real event-record node that each replay executes,
  // which stage() then waits on.
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  GAPLAB_CUDA_CHECK(cudaStreamIsCapturing(stream, &capture));
  if (capture == cudaStreamCaptureStatusActive) {
    GAPLAB_CUDA_CHECK(cudaEventRecordWithFlags(copied_.get(), stream, cudaEventRecordExternal));
  } else {
    copied_.record(stream);
  }
  return device_.get();
}

}  // namespace gaplab::cuda
