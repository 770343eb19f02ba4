// core/ops/gemm.h — the one matrix product every CPU op uses.
//
// Why not Eigen's own threading: Eigen's parallel GEMM synchronises its threads
// with busy-wait loops. When the machine is shared (a sweep with several ranks,
// another job), a descheduled thread makes the others spin for whole time
// slices: we measured an MLP step 80x slower beside one other 2-thread process.
// Eigen is therefore built with EIGEN_DONT_PARALLELIZE, and this function splits
// C into independent row (or column) blocks, one per OpenMP thread, each a serial
// Eigen product. No thread waits on another except at the region's end, results
// are deterministic for a given thread count, and the packing stays Eigen's.
#pragma once

#include <cstdint>

namespace gaplab {

enum class Transpose { kNo, kYes };
enum class GemmWrite { kAssign, kAccumulate };

// C[m, n] (= or +=) op(A)[m, k] * op(B)[k, n], all row-major with leading
// dimensions lda, ldb, ldc. op(A) = A when ta is kNo (A stored [m, k]), A^T when
// kYes (A stored [k, m]); likewise for B (stored [k, n] or [n, k]).
void gemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
          int64_t ldb, float* c, int64_t ldc, GemmWrite write);

}  // namespace gaplab
