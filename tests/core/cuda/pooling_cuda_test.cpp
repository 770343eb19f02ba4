// tests/core/cuda/pooling_cuda_test.cpp — max, average and global-average pooling
// on the GPU against the CPU reference: overlapping and padded windows, odd
// plane sizes, ties inside a window (the first in row-major order wins), and
// an input used twice (dx assigned, then accumulated).
#include "core/ops/pooling.h"

#include <cmath>

#include "core/ops/add.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

using testing::ParityTolerance;

// Values on a coarse grid, so that many windows hold ties.
Tensor tiedInput(const Shape& shape, uint64_t seed) {
  Tensor x = testing::randomHostTensor(shape, seed, 2.0f);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = std::round(x.data()[i]);
  return x;
}

enum class Pool { kMax, kAvg };

void checkPool(Pool pool, const Shape& shape, int64_t kernel, int64_t stride, int64_t padding) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device) {
    return pool == Pool::kMax ? maxPool2d(tape, x[0], kernel, stride, padding)
                              : avgPool2d(tape, x[0], kernel, stride, padding);
  };
  // Same additions in the same order as the CPU: exact up to the last bit.
  testing::expectOpParity(twin, op, {tiedInput(shape, 3)}, ParityTolerance{1e-7f, 1e-6f},
                          ParityTolerance{1e-7f, 1e-6f});
}

TEST(PoolingCuda, MaxPoolTwoByTwo) { checkPool(Pool::kMax, {3, 4, 8, 10}, 2, 2, 0); }
TEST(PoolingCuda, MaxPoolOverlappingPaddedWithTies) { checkPool(Pool::kMax, {2, 3, 13, 11}, 3, 2, 1); }
TEST(PoolingCuda, MaxPoolStrideLargerThanKernel) { checkPool(Pool::kMax, {1, 2, 9, 9}, 2, 3, 1); }
TEST(PoolingCuda, AvgPoolTwoByTwo) { checkPool(Pool::kAvg, {3, 4, 8, 10}, 2, 2, 0); }
TEST(PoolingCuda, AvgPoolOverlappingPadded) { checkPool(Pool::kAvg, {2, 3, 13, 11}, 3, 2, 1); }
TEST(PoolingCuda, AvgPoolOddPlane) { checkPool(Pool::kAvg, {5, 1, 7, 5}, 3, 1, 1); }

TEST(PoolingCuda, GlobalAvgPoolMatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) { return globalAvgPool2d(tape, x[0]); };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({6, 37, 7, 7}, 4)}, ParityTolerance{1e-6f, 1e-5f},
                          ParityTolerance{1e-7f, 1e-6f});
}

TEST(PoolingCuda, InputUsedTwiceAccumulates) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, maxPool2d(tape, x[0], 3, 1, 1), avgPool2d(tape, x[0], 3, 1, 1));
  };
  testing::expectOpParity(twin, op, {tiedInput({2, 2, 6, 9}, 5)}, ParityTolerance{1e-7f, 1e-6f},
                          ParityTolerance{1e-6f, 1e-6f});
}

// The reverse order of InputUsedTwiceAccumulates: average pooling's backward
// runs second and accumulates; global average pooling used twice likewise.
TEST(PoolingCuda, AvgAndGlobalAvgAccumulate) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto pools = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, avgPool2d(tape, x[0], 3, 2, 1), maxPool2d(tape, x[0], 3, 2, 1));
  };
  testing::expectOpParity(twin, pools, {tiedInput({2, 3, 7, 8}, 6)}, ParityTolerance{1e-7f, 1e-6f},
                          ParityTolerance{1e-6f, 1e-6f});
  auto global = [](Tape& tape, std::vector<Variable>& x, Device) {
    return add(tape, globalAvgPool2d(tape, x[0]), globalAvgPool2d(tape, x[0]));
  };
  testing::expectOpParity(twin, global, {testing::randomHostTensor({3, 5, 4, 6}, 7)}, ParityTolerance{1e-6f, 1e-5f},
                          ParityTolerance{1e-7f, 1e-6f});
}

}  // namespace
}  // namespace gaplab
