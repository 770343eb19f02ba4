// core/aligned_buffer.h — std::vector storage aligned to 64 bytes.
//
// Why: Eigen's vectorised reductions peel leading elements until the pointer is
// aligned, so the summation order — and the last bits of a float sum — depend
// on the buffer's address. Flat parameter, gradient and state buffers are
// therefore always 64-byte aligned (as is every Tensor from the allocator), and
// the same run gives bit-identical results wherever malloc put them.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace gaplab {

template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlignment = 64;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    void* p = std::aligned_alloc(kAlignment, bytes == 0 ? kAlignment : bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
};

using AlignedFloats = std::vector<float, AlignedAllocator<float>>;

}  // namespace gaplab
