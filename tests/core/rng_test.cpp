// tests/core/rng_test.cpp — Philox4x32-10 against the Random123 known answers, and the RngStream built on it.
#include "core/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace gaplab {
namespace {

using Block = std::array<uint32_t, 4>;

// Known-answer vectors of Random123 (kat_vectors, philox4x32 with 10 rounds).
TEST(Philox4x32, KnownAnswerZeroCounterZeroKey) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}), (Block{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
}

TEST(Philox4x32, KnownAnswerAllOnes) {
  EXPECT_EQ(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}),
            (Block{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(Philox4x32, KnownAnswerPiDigits) {
  EXPECT_EQ(philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}),
            (Block{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

TEST(Philox4x32, NeighbouringCountersGiveUnrelatedBlocks) {
  const Block a = philox4x32({0, 0, 0, 0}, {1, 2});
  const Block b = philox4x32({1, 0, 0, 0}, {1, 2});
  int equalWords = 0;
  for (int i = 0; i < 4; ++i) equalWords += a[static_cast<std::size_t>(i)] == b[static_cast<std::size_t>(i)];
  EXPECT_EQ(equalWords, 0);
}

std::vector<uint32_t> draw(RngStream rng, int n) {
  std::vector<uint32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(rng.nextU32());
  return out;
}

TEST(RngStream, SameSeedPurposeAndStreamGiveTheSameSequence) {
  EXPECT_EQ(draw(RngStream(7, RngPurpose::kShuffle, 3), 64), draw(RngStream(7, RngPurpose::kShuffle, 3), 64));
}

TEST(RngStream, DifferentSeedPurposeOrStreamGiveDifferentSequences) {
  const auto base = draw(RngStream(7, RngPurpose::kShuffle, 3), 16);
  EXPECT_NE(base, draw(RngStream(8, RngPurpose::kShuffle, 3), 16));
  EXPECT_NE(base, draw(RngStream(7, RngPurpose::kDropout, 3), 16));
  EXPECT_NE(base, draw(RngStream(7, RngPurpose::kShuffle, 4), 16));
  EXPECT_NE(base, draw(RngStream(7, RngPurpose::kShuffle, 3 + (uint64_t{1} << 32)), 16));
  EXPECT_NE(draw(RngStream(0, RngPurpose::kInit, 0), 16), draw(RngStream(0, RngPurpose::kInit, 1), 16));
}

TEST(RngStream, StreamsShareNoPrefixOrShift) {
  // A stream must not be another stream delayed by a few draws.
  const auto a = draw(RngStream(1, RngPurpose::kInit, 0), 256);
  const auto b = draw(RngStream(1, RngPurpose::kInit, 1), 256);
  int matches = 0;
  for (uint32_t x : a)
    for (uint32_t y : b) matches += x == y;
  EXPECT_LE(matches, 1);
}

TEST(RngStream, ShortRunAcrossSeveralBlocksRepeatsNoWord) {
  RngStream rng(5, RngPurpose::kSampler, 2);
  const auto words = draw(rng, 12);  // three Philox blocks of four words
  for (std::size_t i = 0; i < words.size(); ++i)
    for (std::size_t j = i + 1; j < words.size(); ++j) EXPECT_NE(words[i], words[j]) << i << " " << j;
}

TEST(RngStream, NextU64CombinesTwoU32DrawsHighFirst) {
  RngStream a(3, RngPurpose::kInit, 0), b(3, RngPurpose::kInit, 0);
  const uint64_t hi = a.nextU32(), lo = a.nextU32();
  EXPECT_EQ(b.nextU64(), (hi << 32) | lo);
}

TEST(RngStream, UniformIsInTheUnitIntervalWithMeanOneHalf) {
  RngStream rng(11, RngPurpose::kSynthetic, 0);
  constexpr int kN = 100000;
  double sum = 0.0, sumSq = 0.0;
  int below = 0;
  for (int i = 0; i < kN; ++i) {
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    sumSq += static_cast<double>(u) * u;
    below += u < 0.25f;
  }
  const double mean = sum / kN;
  EXPECT_NEAR(mean, 0.5, 0.01);
  EXPECT_NEAR(sumSq / kN - mean * mean, 1.0 / 12.0, 0.005);
  EXPECT_NEAR(static_cast<double>(below) / kN, 0.25, 0.01);
}

TEST(RngStream, UniformRangeIsRespected) {
  RngStream rng(2, RngPurpose::kInit, 0);
  double sum = 0.0;
  for (int i = 0; i < 10000; ++i) {
    const float u = rng.uniform(-3.0f, 5.0f);
    ASSERT_GE(u, -3.0f);
    ASSERT_LT(u, 5.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000.0, 1.0, 0.15);
}

TEST(RngStream, NormalHasMeanZeroAndUnitVariance) {
  RngStream rng(13, RngPurpose::kInit, 9);
  constexpr int kN = 100000;
  double sum = 0.0, sumSq = 0.0;
  int beyondTwo = 0;
  for (int i = 0; i < kN; ++i) {
    const float z = rng.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sumSq += static_cast<double>(z) * z;
    beyondTwo += std::fabs(z) > 2.0f;
  }
  const double mean = sum / kN;
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(sumSq / kN - mean * mean, 1.0, 0.03);
  EXPECT_NEAR(static_cast<double>(beyondTwo) / kN, 0.0455, 0.005);  // P(|Z| > 2)
}

TEST(RngStream, NormalIsReproducible) {
  RngStream a(4, RngPurpose::kInit, 1), b(4, RngPurpose::kInit, 1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.normal(), b.normal());
}

TEST(RngStream, BelowStaysInRangeAndIsRoughlyUniform) {
  RngStream rng(17, RngPurpose::kShuffle, 0);
  constexpr int kN = 70000, kBound = 7;
  std::array<int, kBound> counts{};
  for (int i = 0; i < kN; ++i) {
    const uint64_t v = rng.below(kBound);
    ASSERT_LT(v, static_cast<uint64_t>(kBound));
    ++counts[static_cast<std::size_t>(v)];
  }
  for (int c : counts) EXPECT_NEAR(c, kN / kBound, 400) << "counts are far from uniform";
}

TEST(RngStream, BelowOneAndZeroAreZeroAndDrawNothing) {
  RngStream a(21, RngPurpose::kSampler, 0), b(21, RngPurpose::kSampler, 0);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a.below(1), 0u);
    EXPECT_EQ(a.below(0), 0u);
  }
  EXPECT_EQ(a.nextU32(), b.nextU32());
}

TEST(RngStream, BelowHandlesLargeBounds) {
  RngStream rng(23, RngPurpose::kSampler, 0);
  const uint64_t bound = (uint64_t{1} << 63) + 12345;
  bool upperHalf = false;
  for (int i = 0; i < 64; ++i) {
    const uint64_t v = rng.below(bound);
    ASSERT_LT(v, bound);
    upperHalf = upperHalf || v >= (uint64_t{1} << 62);
  }
  EXPECT_TRUE(upperHalf);
}

}  // namespace
}  // namespace gaplab
