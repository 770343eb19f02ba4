// tests/core/allocator_test.cpp — the caching host allocator: alignment, reuse by exact size, byte accounting.
#include "core/allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace gaplab {
namespace {

// Bytes the cache keeps for `count` floats: rounded up to a multiple of 64, at least 64.
std::size_t blockBytes(std::size_t count) {
  const std::size_t bytes = (count == 0 ? 1 : count) * sizeof(float);
  return (bytes + 63) / 64 * 64;
}

class AllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override { releaseCachedHostMemory(); }
  void TearDown() override { releaseCachedHostMemory(); }
};

TEST_F(AllocatorTest, BlocksAre64ByteAligned) {
  for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{17}, std::size_t{1000},
                            std::size_t{12345}}) {
    std::shared_ptr<float> p = allocateHostFloats(count);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p.get()) % 64, 0u) << count << " floats";
  }
}

TEST_F(AllocatorTest, BlocksAreWritableOverTheirWholeLength) {
  std::shared_ptr<float> p = allocateHostFloats(4099);
  for (int i = 0; i < 4099; ++i) p.get()[i] = static_cast<float>(i);
  EXPECT_FLOAT_EQ(p.get()[4098], 4098.0f);
}

TEST_F(AllocatorTest, FreedBlockOfTheSameSizeIsReused) {
  std::shared_ptr<float> first = allocateHostFloats(12345);
  float* address = first.get();
  first.reset();
  std::shared_ptr<float> second = allocateHostFloats(12345);
  EXPECT_EQ(second.get(), address);
}

TEST_F(AllocatorTest, SizesRoundingToTheSameBlockShareTheCache) {
  // 17 and 32 floats both need a 128-byte block.
  std::shared_ptr<float> first = allocateHostFloats(17);
  float* address = first.get();
  first.reset();
  EXPECT_EQ(allocateHostFloats(32).get(), address);
}

TEST_F(AllocatorTest, BlockOfAnotherSizeIsNotReused) {
  std::shared_ptr<float> first = allocateHostFloats(1000);
  float* address = first.get();
  first.reset();
  std::shared_ptr<float> other = allocateHostFloats(2000);
  EXPECT_NE(other.get(), address);  // the 1000-float block is still held by the cache
  EXPECT_EQ(cachedHostBytes(), blockBytes(1000));
}

TEST_F(AllocatorTest, LiveBlocksAreDistinct) {
  std::shared_ptr<float> a = allocateHostFloats(256);
  std::shared_ptr<float> b = allocateHostFloats(256);
  EXPECT_NE(a.get(), b.get());
}

TEST_F(AllocatorTest, CachedBytesCountFreedBlocksOnly) {
  EXPECT_EQ(cachedHostBytes(), 0u);
  std::shared_ptr<float> a = allocateHostFloats(1000);
  std::shared_ptr<float> b = allocateHostFloats(17);
  EXPECT_EQ(cachedHostBytes(), 0u);  // in use, not cached
  a.reset();
  EXPECT_EQ(cachedHostBytes(), blockBytes(1000));
  EXPECT_EQ(blockBytes(1000), 4032u);
  b.reset();
  EXPECT_EQ(cachedHostBytes(), 4032u + 128u);
  std::shared_ptr<float> again = allocateHostFloats(1000);  // taken back out of the cache
  EXPECT_EQ(cachedHostBytes(), 128u);
}

TEST_F(AllocatorTest, ZeroFloatsStillGetsOneAlignedBlock) {
  std::shared_ptr<float> p = allocateHostFloats(0);
  ASSERT_NE(p, nullptr);
  p.reset();
  EXPECT_EQ(cachedHostBytes(), 64u);
}

TEST_F(AllocatorTest, SharedCopiesReturnTheBlockOnlyWhenTheLastOneGoes) {
  std::shared_ptr<float> a = allocateHostFloats(100);
  std::shared_ptr<float> b = a;
  a.reset();
  EXPECT_EQ(cachedHostBytes(), 0u);
  b.reset();
  EXPECT_EQ(cachedHostBytes(), blockBytes(100));
}

TEST_F(AllocatorTest, ReleaseCachedHostMemoryEmptiesTheCache) {
  allocateHostFloats(500).reset();
  allocateHostFloats(700).reset();
  EXPECT_EQ(cachedHostBytes(), blockBytes(500) + blockBytes(700));
  releaseCachedHostMemory();
  EXPECT_EQ(cachedHostBytes(), 0u);
  // Blocks still in use when the cache is released come back to it afterwards.
  std::shared_ptr<float> live = allocateHostFloats(300);
  releaseCachedHostMemory();
  live.reset();
  EXPECT_EQ(cachedHostBytes(), blockBytes(300));
}

TEST_F(AllocatorTest, ConcurrentAllocateAndFreeKeepTheAccountingConsistent) {
  constexpr int kThreads = 4, kRounds = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int r = 0; r < kRounds; ++r) {
        std::shared_ptr<float> p = allocateHostFloats(static_cast<std::size_t>(64 + 16 * ((t + r) % 3)));
        p.get()[0] = static_cast<float>(r);
      }
    });
  }
  for (auto& th : threads) th.join();
  // Every block is back in the cache: at most one per thread per size class.
  const std::size_t bytes = cachedHostBytes();
  EXPECT_GT(bytes, 0u);
  EXPECT_EQ(bytes % 64, 0u);
  EXPECT_LE(bytes, static_cast<std::size_t>(kThreads) * (blockBytes(64) + blockBytes(80) + blockBytes(96)));
}

}  // namespace
}  // namespace gaplab
