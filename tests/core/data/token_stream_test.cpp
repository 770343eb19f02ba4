// tests/core/data/token_stream_test.cpp — record split determinism and
// disjointness, concatenation with separators, unigram entropy.
#include "core/data/token_stream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

TextCorpus numbered(int n) {
  TextCorpus c;
  c.name = "numbered";
  for (int i = 0; i < n; ++i) c.records.push_back("record " + std::to_string(i));
  return c;
}

TEST(SplitByRecord, SameSeedSameSplitOtherSeedOtherSplit) {
  const TextCorpus c = numbered(500);
  const CorpusSplit a = splitByRecord(c, 0.1, 42);
  const CorpusSplit b = splitByRecord(c, 0.1, 42);
  EXPECT_EQ(a.train.records, b.train.records);
  EXPECT_EQ(a.validation.records, b.validation.records);
  EXPECT_EQ(a.train.name, "numbered/train");
  EXPECT_EQ(a.validation.name, "numbered/validation");
  const CorpusSplit other = splitByRecord(c, 0.1, 43);
  EXPECT_NE(a.validation.records, other.validation.records);
}

TEST(SplitByRecord, DisjointCompleteOrderPreservingAndNearTheFraction) {
  const TextCorpus c = numbered(2000);
  const CorpusSplit s = splitByRecord(c, 0.2, 7);
  EXPECT_EQ(s.train.records.size() + s.validation.records.size(), c.records.size());
  std::set<std::string> train(s.train.records.begin(), s.train.records.end());
  for (const std::string& r : s.validation.records) EXPECT_EQ(train.count(r), 0u) << r;
  // Both sides keep corpus order: merging by index reproduces the corpus.
  std::size_t ti = 0, vi = 0;
  for (const std::string& r : c.records) {
    if (ti < s.train.records.size() && s.train.records[ti] == r) {
      ++ti;
    } else if (vi < s.validation.records.size() && s.validation.records[vi] == r) {
      ++vi;
    } else {
      FAIL() << "record out of order: " << r;
    }
  }
  const double share = static_cast<double>(s.validation.records.size()) / 2000.0;
  EXPECT_NEAR(share, 0.2, 0.03);
}

TEST(SplitByRecord, StableWhenRecordsAreAppended) {
  const CorpusSplit small = splitByRecord(numbered(300), 0.3, 5);
  const CorpusSplit large = splitByRecord(numbered(600), 0.3, 5);
  for (std::size_t i = 0; i < small.validation.records.size(); ++i)
    EXPECT_EQ(small.validation.records[i], large.validation.records[i]);
}

TEST(SplitByRecord, RejectsBadFractionsAndEmptySides) {
  EXPECT_THROW(splitByRecord(numbered(10), 0.0, 1), std::invalid_argument);
  EXPECT_THROW(splitByRecord(numbered(10), 1.0, 1), std::invalid_argument);
  EXPECT_THROW(splitByRecord(numbered(10), std::nan(""), 1), std::invalid_argument);
  try {
    splitByRecord(numbered(1), 0.5, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("at least one on each side"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'numbered' (1 records)"), std::string::npos) << e.what();
  }
}

TEST(ConcatenateRecords, SeparatorBetweenRecordsOnly) {
  TextCorpus c;
  c.records = {"ab", "c\nd", "e"};
  const std::vector<uint8_t> t = concatenateRecords(c);
  EXPECT_EQ(std::string(t.begin(), t.end()), "ab\nc\nd\ne");
  EXPECT_EQ(static_cast<int64_t>(t.size()), c.bytes() + 2);
  EXPECT_TRUE(concatenateRecords(TextCorpus{}).empty());
}

TEST(UnigramEntropyBits, UniformIsEightConstantIsZeroTwoSymbolsIsOne) {
  std::vector<uint8_t> uniform;
  for (int rep = 0; rep < 4; ++rep)
    for (int b = 0; b < 256; ++b) uniform.push_back(static_cast<uint8_t>(b));
  EXPECT_NEAR(unigramEntropyBits(uniform), 8.0, 1e-12);
  EXPECT_EQ(unigramEntropyBits(std::vector<uint8_t>(100, 'x')), 0.0);
  EXPECT_NEAR(unigramEntropyBits({'a', 'b', 'a', 'b'}), 1.0, 1e-12);
  EXPECT_THROW(unigramEntropyBits({}), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
