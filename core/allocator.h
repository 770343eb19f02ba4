// core/allocator.h — a size-bucketed cache of host buffers.
//
// Why: a training step allocates the same activation sizes every step. glibc
// serves large blocks with mmap and returns them with munmap, so every step would
// page-fault its activations afresh. Keeping freed blocks by exact size makes the
// second and later steps allocation-free, as PyTorch's caching allocator does on GPU.
#pragma once

#include <cstddef>
#include <memory>

namespace gaplab {

// Returns 64-byte-aligned storage for `count` floats; freed blocks go back to
// the cache (thread-safe). The deleter is part of the shared_ptr.
std::shared_ptr<float> allocateHostFloats(std::size_t count);

// Frees every cached block (tests and long-lived processes between trials).
void releaseCachedHostMemory();
std::size_t cachedHostBytes();

}  // namespace gaplab
