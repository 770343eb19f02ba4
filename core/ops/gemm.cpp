// core/ops/gemm.cpp — see gemm.h for why the split is ours and not Eigen's.
#include "core/ops/gemm.h"

#include <omp.h>

#include <Eigen/Core>

namespace gaplab {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstStrided = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>;
using Strided = Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>>;

constexpr int64_t kSerialFlops = int64_t{1} << 21;  // below ~2 MFLOP a thread team costs more than it saves
constexpr int64_t kBlockAlign = 16;                 // block edges on multiples of 16 rows/columns

// C[r0:r1, c0:c1] (=/+=) op(A)[r0:r1, :] * op(B)[:, c0:c1]
void gemmBlock(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
               const float* b, int64_t ldb, float* c, int64_t ldc, GemmWrite write, int64_t r0, int64_t r1,
               int64_t c0, int64_t c1) {
  const ConstStrided A(a, ta == Transpose::kNo ? m : k, ta == Transpose::kNo ? k : m, Eigen::OuterStride<>(lda));
  const ConstStrided B(b, tb == Transpose::kNo ? k : n, tb == Transpose::kNo ? n : k, Eigen::OuterStride<>(ldb));
  Strided C(c, m, n, Eigen::OuterStride<>(ldc));
  auto out = C.block(r0, c0, r1 - r0, c1 - c0);
  auto run = [&](const auto& lhs, const auto& rhs) {
    if (write == GemmWrite::kAssign) out.noalias() = lhs * rhs;
    else out.noalias() += lhs * rhs;
  };
  const int64_t rows = r1 - r0, cols = c1 - c0;
  if (ta == Transpose::kNo && tb == Transpose::kNo) run(A.middleRows(r0, rows), B.middleCols(c0, cols));
  else if (ta == Transpose::kNo) run(A.middleRows(r0, rows), B.middleRows(c0, cols).transpose());
  else if (tb == Transpose::kNo) run(A.middleCols(r0, rows).transpose(), B.middleCols(c0, cols));
  else run(A.middleCols(r0, rows).transpose(), B.middleRows(c0, cols).transpose());
}

}  // namespace

void gemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
          int64_t ldb, float* c, int64_t ldc, GemmWrite write) {
  if (m <= 0 || n <= 0) return;
  const int64_t threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (threads == 1 || 2 * m * n * k < kSerialFlops) {
    gemmBlock(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, write, 0, m, 0, n);
    return;
  }
  // Split the longer side of C into one aligned block per thread.
  const bool splitRows = m >= n;
  const int64_t extent = splitRows ? m : n;
  int64_t block = (extent + threads - 1) / threads;
  block = (block + kBlockAlign - 1) / kBlockAlign * kBlockAlign;
  const int64_t blocks = (extent + block - 1) / block;
#pragma omp parallel for schedule(static, 1) num_threads(static_cast<int>(blocks < threads ? blocks : threads))
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t lo = i * block, hi = lo + block < extent ? lo + block : extent;
    if (splitRows) gemmBlock(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, write, lo, hi, 0, n);
    else gemmBlock(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, write, 0, m, lo, hi);
  }
}

}  // namespace gaplab
