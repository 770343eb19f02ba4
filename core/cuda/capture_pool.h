// core/cuda/capture_pool.h — the private memory pool of one CUDA graph.
//
// Why: a graph replays into the addresses it was captured with. Blocks that the
// captured work allocates (and frees again: activations) must therefore never be
// handed to anyone else while the graph lives, or a replay would overwrite a
// live tensor. While a CapturePoolScope is active on a thread, the caching
// allocator (core/cuda/device_memory.cpp) serves that thread from the scope's
// pool (its own free blocks first, then the shared cache, then cudaMalloc) and
// returns those blocks to the pool when freed. The pool gives its free blocks
// back to the shared cache when the graph and every tensor from it are gone.
#pragma once

#include <cstddef>
#include <map>
#include <memory>

namespace gaplab::cuda {

struct CapturePool {
  CapturePool() = default;
  ~CapturePool();  // free blocks back to the shared cache (core/cuda/device_memory.cpp)
  CapturePool(const CapturePool&) = delete;
  CapturePool& operator=(const CapturePool&) = delete;
  std::multimap<std::size_t, void*> freeBlocks;  // rounded size -> block; guarded by the allocator's mutex
};

// Makes `pool` this thread's allocation pool until destroyed (then the previous one).
class CapturePoolScope {
 public:
  explicit CapturePoolScope(std::shared_ptr<CapturePool> pool);
  ~CapturePoolScope();
  CapturePoolScope(const CapturePoolScope&) = delete;
  CapturePoolScope& operator=(const CapturePoolScope&) = delete;

 private:
  std::shared_ptr<CapturePool> previous_;
};

// The pool of the innermost active scope on this thread (null: none).
const std::shared_ptr<CapturePool>& currentCapturePool();

}  // namespace gaplab::cuda
