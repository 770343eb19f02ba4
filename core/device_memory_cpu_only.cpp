// core/device_memory_cpu_only.cpp — device_memory.h in a build without the CUDA
// backend: nothing is available and every device request throws with the reason.
// The CUDA build compiles core/cuda/device_memory.cpp instead (see
// cmake/GaplabTargets.cmake: files named *_cpu_only.cpp are left out there).
#include "core/device_memory.h"

namespace gaplab {
namespace {

const char* kReason =
    "this gaplab was built without the CUDA backend (GAPLAB_CUDA=OFF, or no CUDA toolkit was found at "
    "configure time); rebuild with -DGAPLAB_CUDA=ON on a machine with the toolkit";

[[noreturn]] void unavailable(const std::string& what) { throw std::runtime_error(what + ": " + kReason); }

}  // namespace

bool cudaAvailable() { return false; }
std::string cudaUnavailableReason() { return kReason; }
void requireCuda(const std::string& what) { unavailable(what); }
void selectCudaDevice(int) { unavailable("selectCudaDevice"); }
int cudaDeviceCount() { return 0; }
std::string cudaDeviceName() { return "none"; }
std::shared_ptr<void> allocateDeviceBytes(std::size_t) { unavailable("device allocation"); }
void releaseCachedDeviceMemory() {}
std::size_t cachedDeviceBytes() { return 0; }
std::size_t usedDeviceBytes() { return 0; }
void copyHostToDevice(void*, const void*, std::size_t) { unavailable("copyHostToDevice"); }
void copyDeviceToHost(void*, const void*, std::size_t) { unavailable("copyDeviceToHost"); }
void copyDeviceToDevice(void*, const void*, std::size_t) { unavailable("copyDeviceToDevice"); }
void fillDevice(float*, std::size_t, float) { unavailable("fillDevice"); }
void synchronizeDevice() {}

}  // namespace gaplab
