// core/cuda/device_memory.cpp — core/device_memory.h for the CUDA build: a
// caching allocator over cudaMalloc with exact-size buckets, and copies on the
// compute stream.
//
// Why a cache: cudaMalloc/cudaFree synchronise the device and cost tens of
// microseconds; a training step frees and reallocates the same activation sizes
// every step. Blocks are rounded up to 512 bytes and kept by size; because all
// work runs on one compute stream, a returned block can be reused at once.
// On cudaErrorMemoryAllocation the cache is emptied and the allocation retried
// once before DeviceOutOfMemory is thrown. While a CUDA graph is captured, the
// capturing thread allocates from the graph's private pool (capture_pool.h).
#include "core/device_memory.h"

#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/cuda/capture_pool.h"
#include "core/cuda/cuda_check.h"
#include "core/device_graph.h"
#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/cuda/stream.h"

namespace gaplab {
namespace {

constexpr std::size_t kRounding = 512;

struct DeviceCache {
  std::mutex mutex;
  std::multimap<std::size_t, void*> freeBlocks;  // rounded size -> block
  std::size_t cached = 0;
  std::size_t used = 0;
};

DeviceCache& cache() {
  static DeviceCache* c = new DeviceCache();  // leaked: blocks die with the context at exit
  return *c;
}

// Frees the shared cache's blocks. `cached` also counts the free blocks of live
// graphs' capture pools, which stay: subtract only what is freed here.
void releaseLocked(DeviceCache& c) {
  for (auto& [size, block] : c.freeBlocks) {
    cudaFree(block);
    c.cached -= size;
  }
  c.freeBlocks.clear();
}

std::string mib(std::size_t bytes) {
  std::ostringstream os;
  os.precision(1);
  os << std::fixed << static_cast<double>(bytes) / (1024.0 * 1024.0) << " MiB";
  return os.str();
}

}  // namespace

bool cudaAvailable() { return cudaUnavailableReason().empty(); }

std::string cudaUnavailableReason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable CUDA device: ") + cudaGetErrorString(status);
  }
  if (count == 0) return "no CUDA device is visible (CUDA_VISIBLE_DEVICES, driver)";
  return "";
}

void requireCuda(const std::string& what) {
  const std::string reason = cudaUnavailableReason();
  if (!reason.empty()) throw std::runtime_error(what + ": " + reason);
}

void selectCudaDevice(int index) {
  const int count = cudaDeviceCount();
  if (index < 0 || index >= count)
    throw std::invalid_argument("selectCudaDevice: device " + std::to_string(index) + " of " +
                                std::to_string(count) + " visible");
  GAPLAB_CUDA_CHECK(cudaSetDevice(index));
}

int cudaDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

std::string cudaDeviceName() {
  int device = 0;
  GAPLAB_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  GAPLAB_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return std::string(prop.name) + " (device " + std::to_string(device) + ")";
}

std::shared_ptr<void> allocateDeviceBytes(std::size_t bytes) {
  static const std::string unavailable = cudaUnavailableReason();  // once per process
  if (!unavailable.empty()) throw std::runtime_error("device allocation: " + unavailable);
  const std::size_t rounded = (bytes + kRounding - 1) / kRounding * kRounding + (bytes == 0 ? kRounding : 0);
  DeviceCache& c = cache();
  std::shared_ptr<cuda::CapturePool> pool = cuda::currentCapturePool();
  // A capture without a pool (begun outside captureDeviceGraph) would get blocks
  // from the shared cache that are handed out again while its graph replays into
  // them, and its OOM retry would synchronise the capturing stream: refuse.
  if (!pool) refuseDuringCapture("a device allocation outside captureDeviceGraph's pool");
  void* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (pool) {
      auto it = pool->freeBlocks.find(rounded);
      if (it != pool->freeBlocks.end()) {
        block = it->second;
        pool->freeBlocks.erase(it);
        c.cached -= rounded;
      }
    }
    if (!block) {
      auto it = c.freeBlocks.find(rounded);
      if (it != c.freeBlocks.end()) {
        block = it->second;
        c.freeBlocks.erase(it);
        c.cached -= rounded;
      }
    }
    if (!block) {
      cudaError_t status = cudaMalloc(&block, rounded);
      if (status == cudaErrorMemoryAllocation && !pool) {
        cudaGetLastError();
        GAPLAB_CUDA_CHECK(cudaStreamSynchronize(cuda::computeStream()));  // cached blocks may still be read
        releaseLocked(c);
        status = cudaMalloc(&block, rounded);
      }
      if (status == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        std::size_t freeBytes = 0, totalBytes = 0;
        cudaMemGetInfo(&freeBytes, &totalBytes);
        throw DeviceOutOfMemory("CUDA out of memory: could not allocate " + mib(rounded) + " (gaplab holds " +
                                mib(c.used) + " in tensors; the device has " + mib(freeBytes) + " free of " +
                                mib(totalBytes) + "); use a smaller batch or model, or fewer trials per GPU");
      }
      GAPLAB_CUDA_CHECK(status);
    }
    c.used += rounded;
  }
  // A block from a capture returns to that graph's pool, any other to the shared cache.
  return std::shared_ptr<void>(block, [rounded, pool](void* p) {
    DeviceCache& cc = cache();
    std::lock_guard<std::mutex> lock(cc.mutex);
    if (pool)
      pool->freeBlocks.emplace(rounded, p);
    else
      cc.freeBlocks.emplace(rounded, p);
    cc.cached += rounded;
    cc.used -= rounded;
  });
}

namespace cuda {

CapturePool::~CapturePool() {
  DeviceCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.freeBlocks.insert(freeBlocks.begin(), freeBlocks.end());
}

namespace {
thread_local std::shared_ptr<CapturePool> tCurrentPool;
}  // namespace

CapturePoolScope::CapturePoolScope(std::shared_ptr<CapturePool> pool) : previous_(std::move(tCurrentPool)) {
  tCurrentPool = std::move(pool);
}
CapturePoolScope::~CapturePoolScope() { tCurrentPool = std::move(previous_); }
const std::shared_ptr<CapturePool>& currentCapturePool() { return tCurrentPool; }

}  // namespace cuda

void releaseCachedDeviceMemory() {
  DeviceCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.freeBlocks.empty()) return;
  GAPLAB_CUDA_CHECK(cudaStreamSynchronize(cuda::computeStream()));
  releaseLocked(c);
}

std::size_t cachedDeviceBytes() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  return cache().cached;
}

std::size_t usedDeviceBytes() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  return cache().used;
}

void copyHostToDevice(void* deviceDst, const void* hostSrc, std::size_t bytes) {
  if (bytes == 0) return;
  refuseDuringCapture("a copy of host data to the GPU");
  // Pageable host memory: the runtime stages the copy, so the host buffer may be
  // reused as soon as this returns.
  GAPLAB_CUDA_CHECK(cudaMemcpyAsync(deviceDst, hostSrc, bytes, cudaMemcpyHostToDevice, cuda::computeStream()));
}

void copyDeviceToHost(void* hostDst, const void* deviceSrc, std::size_t bytes) {
  if (bytes == 0) return;
  refuseDuringCapture("a copy of GPU data to the host");
  GAPLAB_CUDA_CHECK(cudaMemcpyAsync(hostDst, deviceSrc, bytes, cudaMemcpyDeviceToHost, cuda::computeStream()));
  GAPLAB_CUDA_CHECK(cudaStreamSynchronize(cuda::computeStream()));
}

void copyDeviceToDevice(void* deviceDst, const void* deviceSrc, std::size_t bytes) {
  if (bytes == 0) return;
  GAPLAB_CUDA_CHECK(cudaMemcpyAsync(deviceDst, deviceSrc, bytes, cudaMemcpyDeviceToDevice, cuda::computeStream()));
}

void fillDevice(float* deviceDst, std::size_t count, float value) {
  if (count == 0) return;
  if (value == 0.0f) {
    GAPLAB_CUDA_CHECK(cudaMemsetAsync(deviceDst, 0, count * sizeof(float), cuda::computeStream()));
    return;
  }
  cuda::launchFill(deviceDst, static_cast<int64_t>(count), value);
}

void synchronizeDevice() {
  refuseDuringCapture("waiting for the GPU");
  GAPLAB_CUDA_CHECK(cudaStreamSynchronize(cuda::computeStream()));
}

}  // namespace gaplab
