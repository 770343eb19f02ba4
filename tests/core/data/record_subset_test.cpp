// tests/core/data/record_subset_test.cpp — the record subsets of continual pre-training: the byte-share rule, the seeded random subset, the lowest-score subset.
#include "core/data/record_subset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

std::vector<std::string> equalRecords(int n) {
  std::vector<std::string> r;
  for (int i = 0; i < n; ++i) r.push_back(std::string(10, static_cast<char>('a' + i % 26)));
  return r;
}

int64_t bytesOf(const std::vector<std::string>& records, const std::vector<std::size_t>& kept) {
  int64_t b = 0;
  for (std::size_t i : kept) b += static_cast<int64_t>(records[i].size());
  return b;
}

TEST(RecordSubset, RandomSubsetIsDeterministicSortedAndOfTheRightSize) {
  const std::vector<std::string> records = equalRecords(100);
  const std::vector<std::size_t> a = randomRecordSubset(records, 0.25, 7);
  EXPECT_EQ(a, randomRecordSubset(records, 0.25, 7));  // same seed, same records (every rank, every rerun)
  EXPECT_EQ(a.size(), 25u);                            // 25% of the bytes of equal records
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));     // corpus order
  EXPECT_NE(a, randomRecordSubset(records, 0.25, 8));  // another seed, another subset
  // Not simply the first records.
  EXPECT_NE(a.back(), 24u);
  EXPECT_EQ(randomRecordSubset(records, 1.0, 7).size(), 100u);
  EXPECT_EQ(randomRecordSubset(records, 1e-9, 7).size(), 1u);  // at least one record
}

TEST(RecordSubset, UnequalRecordsReachTheByteShareWithTheLeastOvershoot) {
  std::vector<std::string> records;
  int64_t total = 0;
  for (int i = 0; i < 200; ++i) {
    records.push_back(std::string(static_cast<std::size_t>(1 + (i * 37) % 91), 'x'));
    total += static_cast<int64_t>(records.back().size());
  }
  for (double f : {0.1, 0.25, 0.5}) {
    const std::vector<std::size_t> kept = randomRecordSubset(records, f, 3);
    const int64_t target = static_cast<int64_t>(std::ceil(f * static_cast<double>(total)));
    EXPECT_GE(bytesOf(records, kept), target) << f;
    EXPECT_LT(bytesOf(records, kept), target + 91) << f;  // overshoot by less than one record
  }
}

TEST(RecordSubset, LowestScoresAreKeptTiesByIndex) {
  const std::vector<std::string> records = equalRecords(8);
  const std::vector<float> scores = {5.0f, 1.0f, 4.0f, 0.5f, 3.0f, 1.0f, 6.0f, 2.0f};
  EXPECT_EQ(lowestScoreRecordSubset(records, scores, 0.25), (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(lowestScoreRecordSubset(records, scores, 0.5), (std::vector<std::size_t>{1, 3, 5, 7}));
  EXPECT_EQ(lowestScoreRecordSubset(records, scores, 1.0).size(), 8u);
  const std::vector<float> tied(8, 1.0f);
  EXPECT_EQ(lowestScoreRecordSubset(records, tied, 0.25), (std::vector<std::size_t>{0, 1}));
}

TEST(RecordSubset, KeepRecordsCopiesTheKeptRecords) {
  TextCorpus c{"c/train", {"one", "two", "three"}};
  const TextCorpus kept = keepRecords(c, {0, 2});
  EXPECT_EQ(kept.name, "c/train");
  EXPECT_EQ(kept.records, (std::vector<std::string>{"one", "three"}));
}

TEST(RecordSubset, BadInputsThrow) {
  const std::vector<std::string> records = equalRecords(4);
  EXPECT_THROW(randomRecordSubset(records, 0.0, 0), std::invalid_argument);
  EXPECT_THROW(randomRecordSubset(records, 1.5, 0), std::invalid_argument);
  EXPECT_THROW(randomRecordSubset({}, 0.5, 0), std::invalid_argument);
  const std::vector<float> three = {1, 2, 3};
  EXPECT_THROW(lowestScoreRecordSubset(records, three, 0.5), std::invalid_argument);
  const std::vector<float> nan = {1, 2, std::nanf(""), 3};
  EXPECT_THROW(lowestScoreRecordSubset(records, nan, 0.5), std::invalid_argument);
  EXPECT_THROW(keepRecordsInOrder(records, {0, 1, 1, 2}, 0.5), std::invalid_argument);  // not a permutation
}

}  // namespace
}  // namespace gaplab
