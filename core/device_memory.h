// core/device_memory.h — GPU memory as the rest of the engine sees it, without
// any CUDA header: availability, a caching allocator and copies.
//
// Why: Tensor, ParameterArena, the trainer and the tests must compile in a
// CPU-only build and still say what happens with `device: cuda`. The CUDA build
// implements this file in core/cuda/device_memory.cpp; a CPU-only build links
// core/device_memory_cpu_only.cpp, where every allocation throws with the
// reason. All work is ordered on one compute stream per process
// (core/cuda/stream.h), so a freed block may be handed out again at once: any
// kernel still reading it runs before whatever the next owner enqueues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace gaplab {

// Thrown when the GPU has no room even after the cache was emptied. A trial
// records it as its failure ("CUDA out of memory: ...") and the sweep goes on.
class DeviceOutOfMemory : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True when this binary has the CUDA backend and a GPU is visible.
bool cudaAvailable();
// Why cudaAvailable() is false ("built without CUDA (GAPLAB_CUDA=OFF or no
// toolkit)", "no CUDA device: ..."); empty when it is true.
std::string cudaUnavailableReason();
// Throws std::runtime_error with cudaUnavailableReason() unless available;
// `what` names the caller ("device: cuda", "Tensor::empty").
void requireCuda(const std::string& what);

// Selects the GPU of this process (ranks sharing a node pass their local rank
// modulo the device count). Call before any other device work.
void selectCudaDevice(int index);
int cudaDeviceCount();  // 0 without the backend or a GPU
std::string cudaDeviceName();  // e.g. "NVIDIA H100 80GB HBM3 (device 0)"

// Device storage from the caching allocator (exact-size buckets, like the host
// allocator); the deleter returns the block to the cache. Throws
// DeviceOutOfMemory when even an empty cache leaves no room.
std::shared_ptr<void> allocateDeviceBytes(std::size_t bytes);
inline std::shared_ptr<float> allocateDeviceFloats(std::size_t count) {
  return std::static_pointer_cast<float>(allocateDeviceBytes(count * sizeof(float)));
}
void releaseCachedDeviceMemory();
std::size_t cachedDeviceBytes();  // held in the cache, not in use
std::size_t usedDeviceBytes();    // handed out and not yet returned

// Copies on the compute stream. copyDeviceToHost waits for the stream, so the
// host data is final on return; the others are asynchronous.
void copyHostToDevice(void* deviceDst, const void* hostSrc, std::size_t bytes);
void copyDeviceToHost(void* hostDst, const void* deviceSrc, std::size_t bytes);
void copyDeviceToDevice(void* deviceDst, const void* deviceSrc, std::size_t bytes);
void fillDevice(float* deviceDst, std::size_t count, float value);
// Waits until every kernel and copy enqueued so far has finished (timing, tests).
void synchronizeDevice();

}  // namespace gaplab
