// core/ops/parallel.h — the one way CPU ops split work over threads.
//
// Why: elementwise and per-channel loops must use the cores without changing
// results: every output element is computed by exactly one thread in a fixed
// order, so curves stay bit-identical for a fixed thread count. Small loops stay
// serial (thread start-up would cost more than the work).
#pragma once

#include <omp.h>

#include <cstdint>

namespace gaplab::detail {

constexpr int64_t kParallelGrain = 1 << 15;  // work units below which a loop stays serial

// Runs body(begin, end) over [0, n) in contiguous static chunks, one per thread.
// `workPerItem` is a rough cost of one item, to decide whether threads pay off.
template <class Body>
void parallelChunks(int64_t n, int64_t workPerItem, Body&& body) {
  if (n < 2 || n * workPerItem < kParallelGrain || omp_get_max_threads() == 1) {
    body(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads();
    const int64_t id = omp_get_thread_num();
    const int64_t chunk = (n + threads - 1) / threads;
    const int64_t begin = id * chunk;
    const int64_t end = begin + chunk < n ? begin + chunk : n;
    if (begin < end) body(begin, end);
  }
}

}  // namespace gaplab::detail
