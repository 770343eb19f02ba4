// tests/core/ops/gemm_test.cpp — gemm against a naive triple loop for every
// transpose combination, assign and accumulate, strided operands, serial and
// split (row and column) paths, and bit-identical repeats.
#include "core/ops/gemm.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <vector>

#include "core/rng.h"

namespace gaplab {
namespace {

std::vector<float> randomVector(std::size_t n, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

struct Case {
  int64_t m, n, k;
  Transpose ta, tb;
};

void checkCase(const Case& c, GemmWrite write) {
  const int64_t pad = 3;  // leading dimensions larger than the logical width
  const int64_t aRows = c.ta == Transpose::kNo ? c.m : c.k, aCols = c.ta == Transpose::kNo ? c.k : c.m;
  const int64_t bRows = c.tb == Transpose::kNo ? c.k : c.n, bCols = c.tb == Transpose::kNo ? c.n : c.k;
  const int64_t lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad;
  const std::vector<float> a = randomVector(static_cast<std::size_t>(aRows * lda), 1);
  const std::vector<float> b = randomVector(static_cast<std::size_t>(bRows * ldb), 2);
  std::vector<float> out = randomVector(static_cast<std::size_t>(c.m * ldc), 3);
  const std::vector<float> before = out;
  gemm(c.ta, c.tb, c.m, c.n, c.k, a.data(), lda, b.data(), ldb, out.data(), ldc, write);
  auto at = [](const std::vector<float>& v, int64_t ld, int64_t r, int64_t col) { return v[static_cast<std::size_t>(r * ld + col)]; };
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double s = write == GemmWrite::kAccumulate ? at(before, ldc, i, j) : 0.0;
      for (int64_t p = 0; p < c.k; ++p)
        s += static_cast<double>(c.ta == Transpose::kNo ? at(a, lda, i, p) : at(a, lda, p, i)) *
             (c.tb == Transpose::kNo ? at(b, ldb, p, j) : at(b, ldb, j, p));
      ASSERT_NEAR(at(out, ldc, i, j), s, 1e-3 * (1.0 + std::abs(s))) << i << "," << j;
    }
  for (int64_t i = 0; i < c.m; ++i)  // padding columns untouched
    for (int64_t j = c.n; j < ldc; ++j) ASSERT_EQ(at(out, ldc, i, j), at(before, ldc, i, j));
}

TEST(Gemm, MatchesNaiveProductForEveryTransposeAndWriteMode) {
  for (Transpose ta : {Transpose::kNo, Transpose::kYes})
    for (Transpose tb : {Transpose::kNo, Transpose::kYes})
      for (GemmWrite w : {GemmWrite::kAssign, GemmWrite::kAccumulate}) {
        checkCase({5, 7, 3, ta, tb}, w);        // serial path
        checkCase({200, 40, 300, ta, tb}, w);   // split over rows
        checkCase({40, 200, 300, ta, tb}, w);   // split over columns
      }
}

TEST(Gemm, RepeatsAreBitIdenticalForAFixedThreadCount) {
  const std::vector<float> a = randomVector(300 * 250, 4), b = randomVector(250 * 170, 5);
  std::vector<float> c1(300 * 170), c2(300 * 170);
  gemm(Transpose::kNo, Transpose::kNo, 300, 170, 250, a.data(), 250, b.data(), 170, c1.data(), 170, GemmWrite::kAssign);
  gemm(Transpose::kNo, Transpose::kNo, 300, 170, 250, a.data(), 250, b.data(), 170, c2.data(), 170, GemmWrite::kAssign);
  EXPECT_EQ(c1, c2);
}

TEST(Gemm, EmptyOutputIsANoOp) {
  float c = 42.0f;
  gemm(Transpose::kNo, Transpose::kNo, 0, 1, 1, nullptr, 1, nullptr, 1, &c, 1, GemmWrite::kAssign);
  EXPECT_EQ(c, 42.0f);
}

}  // namespace
}  // namespace gaplab
