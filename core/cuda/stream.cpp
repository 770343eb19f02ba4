// core/cuda/stream.cpp — RAII for streams and events; the process-wide compute stream.
#include "core/cuda/stream.h"

#include <memory>
#include <mutex>

#include "core/cuda/cuda_check.h"

namespace gaplab::cuda {

CudaStream::CudaStream() { GAPLAB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
CudaStream::~CudaStream() {
  if (stream_) cudaStreamDestroy(stream_);  // no throw from a destructor
}
void CudaStream::synchronize() const { GAPLAB_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

CudaEvent::CudaEvent(EventTiming timing) {
  GAPLAB_CUDA_CHECK(
      cudaEventCreateWithFlags(&event_, timing == EventTiming::kEnabled ? cudaEventDefault : cudaEventDisableTiming));
}
CudaEvent::~CudaEvent() {
  if (event_) cudaEventDestroy(event_);
}
void CudaEvent::record(cudaStream_t stream) { GAPLAB_CUDA_CHECK(cudaEventRecord(event_, stream)); }
void CudaEvent::makeWait(cudaStream_t stream) const { GAPLAB_CUDA_CHECK(cudaStreamWaitEvent(stream, event_, 0)); }
void CudaEvent::synchronize() const { GAPLAB_CUDA_CHECK(cudaEventSynchronize(event_)); }
bool CudaEvent::completed() const {
  const cudaError_t status = cudaEventQuery(event_);
  if (status == cudaErrorNotReady) return false;
  GAPLAB_CUDA_CHECK(status);
  return true;
}
float CudaEvent::millisecondsSince(const CudaEvent& start) const {
  float ms = 0.0f;
  GAPLAB_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event_, event_));
  return ms;
}

cudaStream_t computeStream() {
  // Intentionally leaked: destroying a stream after the CUDA runtime has shut
  // down at process exit is an error.
  static CudaStream* stream = nullptr;
  static std::once_flag once;
  std::call_once(once, [] { stream = new CudaStream(); });
  return stream->get();
}

}  // namespace gaplab::cuda
