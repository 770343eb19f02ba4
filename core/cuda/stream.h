// core/cuda/stream.h — CUDA streams and events as RAII handles, and the one
// compute stream every kernel, copy and cuBLAS call of this process runs on.
//
// Why: one ordered compute stream makes the caching allocator safe without
// per-block events (core/device_memory.h) and is what a CUDA graph captures
// (the legacy default stream cannot be captured). Communication (NCCL) runs on
// its own stream, ordered against this one with events.
#pragma once

#include <cuda_runtime_api.h>

namespace gaplab::cuda {

class CudaStream {
 public:
  // A non-blocking stream (no implicit ordering with the legacy default stream).
  CudaStream();
  ~CudaStream();
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  cudaStream_t get() const { return stream_; }
  void synchronize() const;

 private:
  cudaStream_t stream_ = nullptr;
};

enum class EventTiming { kDisabled, kEnabled };

class CudaEvent {
 public:
  explicit CudaEvent(EventTiming timing = EventTiming::kDisabled);
  ~CudaEvent();
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream);
  // Makes `stream` wait (on the device) until this event has completed.
  void makeWait(cudaStream_t stream) const;
  void synchronize() const;
  bool completed() const;
  // Milliseconds from `start` to this event (both recorded with timing enabled).
  float millisecondsSince(const CudaEvent& start) const;

 private:
  cudaEvent_t event_ = nullptr;
};

// The compute stream of the current device, created on first use.
cudaStream_t computeStream();

}  // namespace gaplab::cuda
