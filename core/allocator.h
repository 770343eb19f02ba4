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

// Tells the C heap to keep freed memory instead of returning it to the kernel
// (trim threshold 512 MiB, mmap threshold 64 MiB). A sweep of thousands of
// short trials otherwise spends most of its time in page faults re-zeroing the
// same memory (58% of a noop sweep, measured). Call once at program start.
void keepFreedHostMemory();

}  // namespace gaplab
