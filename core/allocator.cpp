// core/allocator.cpp — see allocator.h for why the cache exists.
#include "core/allocator.h"

#include <malloc.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace gaplab {
namespace {

constexpr std::size_t kAlignment = 64;

struct HostCache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> freeBlocks;  // bytes -> blocks
  std::size_t cachedBytes = 0;

  ~HostCache() {
    for (auto& [bytes, blocks] : freeBlocks)
      for (void* p : blocks) std::free(p);
  }
};

HostCache& cache() {
  static HostCache* instance = new HostCache();  // never destroyed: deleters may run at exit
  return *instance;
}

std::size_t roundedBytes(std::size_t count) {
  std::size_t bytes = count * sizeof(float);
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

}  // namespace

std::shared_ptr<float> allocateHostFloats(std::size_t count) {
  const std::size_t bytes = roundedBytes(count == 0 ? 1 : count);
  void* block = nullptr;
  {
    HostCache& c = cache();
    std::lock_guard lock(c.mutex);
    auto it = c.freeBlocks.find(bytes);
    if (it != c.freeBlocks.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      c.cachedBytes -= bytes;
    }
  }
  if (!block) {
    block = std::aligned_alloc(kAlignment, bytes);
    if (!block) throw std::bad_alloc();
  }
  return std::shared_ptr<float>(static_cast<float*>(block), [bytes](float* p) {
    HostCache& c = cache();
    std::lock_guard lock(c.mutex);
    c.freeBlocks[bytes].push_back(p);
    c.cachedBytes += bytes;
  });
}

void releaseCachedHostMemory() {
  HostCache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [bytes, blocks] : c.freeBlocks)
    for (void* p : blocks) std::free(p);
  c.freeBlocks.clear();
  c.cachedBytes = 0;
}

void keepFreedHostMemory() {
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
}

std::size_t cachedHostBytes() {
  HostCache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.cachedBytes;
}

}  // namespace gaplab
