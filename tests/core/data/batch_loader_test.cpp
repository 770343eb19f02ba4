// tests/core/data/batch_loader_test.cpp — order by (seed, epoch), coverage,
// resume, sharding and argument checks of BatchLoader.
#include "core/data/batch_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace gaplab {
namespace {

constexpr int64_t kRow = 3;  // floats per example

// Example i: every input value is i, label i % 5; so a batch tells which examples it holds.
ClassificationDataset indexDataset(int64_t n) {
  ClassificationDataset d;
  d.inputs = Tensor::empty({n, 1, kRow});
  for (int64_t i = 0; i < n * kRow; ++i) d.inputs.data()[i] = static_cast<float>(i / kRow);
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(static_cast<int32_t>(i % 5));
  d.numClasses = 5;
  d.name = "index";
  return d;
}

// The example ids in a batch, checking that rows and labels agree.
std::vector<int64_t> ids(const Batch& b) {
  std::vector<int64_t> out;
  EXPECT_EQ(b.inputs.dim(0), b.size());
  for (int64_t r = 0; r < b.size(); ++r) {
    const float* row = b.inputs.data() + r * kRow;
    const auto id = static_cast<int64_t>(row[0]);
    for (int64_t j = 1; j < kRow; ++j) EXPECT_EQ(row[j], row[0]);
    EXPECT_EQ(b.labels[static_cast<std::size_t>(r)], id % 5);
    out.push_back(id);
  }
  return out;
}

std::vector<std::vector<int64_t>> epochBatches(BatchLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  Batch b;
  while (loader.next(b)) out.push_back(ids(b));
  return out;
}

std::string invalidArgumentOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return "";
}

TEST(BatchLoader, OrderDependsOnlyOnSeedAndEpoch) {
  const ClassificationDataset d = indexDataset(50);
  BatchLoader a(d, 8, 11, ShuffleMode::kShuffle, DropLast::kNo);
  BatchLoader b(d, 8, 11, ShuffleMode::kShuffle, DropLast::kNo);
  std::vector<std::vector<std::vector<int64_t>>> epochsA;
  for (int e = 0; e < 3; ++e) {
    epochsA.push_back(epochBatches(a));
    EXPECT_EQ(epochBatches(b), epochsA.back());
  }
  // Jumping straight to epoch 2 gives the same order as getting there batch by batch.
  BatchLoader c(d, 8, 11, ShuffleMode::kShuffle, DropLast::kNo);
  c.seek(2, 0);
  EXPECT_EQ(epochBatches(c), epochsA[2]);
  // Different epochs and different seeds give different orders.
  EXPECT_NE(epochsA[0], epochsA[1]);
  EXPECT_NE(epochsA[1], epochsA[2]);
  BatchLoader other(d, 8, 12, ShuffleMode::kShuffle, DropLast::kNo);
  EXPECT_NE(epochBatches(other), epochsA[0]);
  EXPECT_EQ(a.epochOrder(1), b.epochOrder(1));
  EXPECT_NE(a.epochOrder(1), other.epochOrder(1));
}

TEST(BatchLoader, EveryExampleExactlyOncePerEpoch) {
  const ClassificationDataset d = indexDataset(103);
  BatchLoader loader(d, 10, 3, ShuffleMode::kShuffle, DropLast::kNo);
  EXPECT_EQ(loader.batchesPerEpoch(), 11);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(loader.epoch(), e);
    const auto batches = epochBatches(loader);
    ASSERT_EQ(batches.size(), 11u);
    EXPECT_EQ(batches.back().size(), 3u);
    std::vector<int64_t> seen;
    for (const auto& b : batches) seen.insert(seen.end(), b.begin(), b.end());
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> expected(103);
    std::iota(expected.begin(), expected.end(), int64_t{0});
    EXPECT_EQ(seen, expected);
  }
}

TEST(BatchLoader, DropLastSkipsThePartialBatch) {
  const ClassificationDataset d = indexDataset(103);
  BatchLoader loader(d, 10, 3, ShuffleMode::kShuffle, DropLast::kYes);
  EXPECT_EQ(loader.batchesPerEpoch(), 10);
  const auto batches = epochBatches(loader);
  ASSERT_EQ(batches.size(), 10u);
  std::vector<int64_t> seen;
  for (const auto& b : batches) {
    EXPECT_EQ(b.size(), 10u);
    seen.insert(seen.end(), b.begin(), b.end());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  // The dropped examples are the permutation's last three.
  const std::vector<int64_t> order = loader.epochOrder(0);
  for (int64_t i = 100; i < 103; ++i)
    EXPECT_FALSE(std::binary_search(seen.begin(), seen.end(), order[static_cast<std::size_t>(i)]));
}

TEST(BatchLoader, SequentialModeVisitsInIndexOrder) {
  const ClassificationDataset d = indexDataset(7);
  BatchLoader loader(d, 3, 99, ShuffleMode::kSequential, DropLast::kNo);
  const std::vector<std::vector<int64_t>> expected{{0, 1, 2}, {3, 4, 5}, {6}};
  EXPECT_EQ(epochBatches(loader), expected);
  EXPECT_EQ(epochBatches(loader), expected);  // every epoch
}

TEST(BatchLoader, ShuffleIsRoughlyUniform) {
  const ClassificationDataset d = indexDataset(5);
  BatchLoader loader(d, 5, 1, ShuffleMode::kShuffle, DropLast::kYes);
  std::vector<int> firstCounts(5);
  for (int e = 0; e < 2000; ++e) ++firstCounts[static_cast<std::size_t>(loader.epochOrder(e)[0])];
  for (int c : firstCounts) EXPECT_NEAR(c, 400, 80);
}

TEST(BatchLoader, TrainingBatchesRollOverEpochs) {
  const ClassificationDataset d = indexDataset(40);
  BatchLoader loader(d, 10, 5, ShuffleMode::kShuffle, DropLast::kYes);
  EXPECT_DOUBLE_EQ(loader.epochProgress(), 0.0);
  for (int step = 0; step < 10; ++step) {
    const Batch b = loader.nextTrainingBatch();
    EXPECT_EQ(b.epoch, step / 4);
    EXPECT_EQ(b.indexInEpoch, step % 4);
    EXPECT_EQ(b.inputs.shape(), (Shape{10, 1, kRow}));
    EXPECT_DOUBLE_EQ(loader.epochProgress(), static_cast<double>(step / 4) + (step % 4 + 1) / 4.0);
  }
  EXPECT_EQ(loader.epoch(), 2);
  EXPECT_EQ(loader.position(), 2);
}

TEST(BatchLoader, SeekResumesWithIdenticalBatches) {
  const ClassificationDataset d = indexDataset(37);
  BatchLoader original(d, 4, 21, ShuffleMode::kShuffle, DropLast::kNo);
  for (int i = 0; i < 17; ++i) original.nextTrainingBatch();
  const int64_t epoch = original.epoch(), position = original.position();

  BatchLoader resumed(d, 4, 21, ShuffleMode::kShuffle, DropLast::kNo);
  resumed.seek(epoch, position);
  EXPECT_DOUBLE_EQ(resumed.epochProgress(), original.epochProgress());
  for (int i = 0; i < 25; ++i) {
    const Batch x = original.nextTrainingBatch();
    const Batch y = resumed.nextTrainingBatch();
    EXPECT_EQ(x.epoch, y.epoch);
    EXPECT_EQ(x.indexInEpoch, y.indexInEpoch);
    EXPECT_EQ(x.labels, y.labels);
    EXPECT_EQ(x.inputs.toVector(), y.inputs.toVector());
  }
  // Resuming at the very end of an epoch rolls over to the next one.
  resumed.seek(3, resumed.batchesPerEpoch());
  EXPECT_EQ(resumed.nextTrainingBatch().epoch, 4);
  EXPECT_THROW(resumed.seek(0, resumed.batchesPerEpoch() + 1), std::out_of_range);
  EXPECT_THROW(resumed.seek(-1, 0), std::out_of_range);
  EXPECT_THROW(resumed.seek(0, -1), std::out_of_range);
}

TEST(BatchLoader, ShardsPartitionTheGlobalBatch) {
  for (DropLast drop : {DropLast::kYes, DropLast::kNo}) {
    for (int64_t n : {100, 102, 129}) {
      const ClassificationDataset d = indexDataset(n);
      constexpr int kWorld = 4;
      constexpr int64_t kPerRank = 8;
      BatchLoader single(d, kPerRank * kWorld, 9, ShuffleMode::kShuffle, drop);
      std::vector<BatchLoader> ranks;
      for (int r = 0; r < kWorld; ++r)
        ranks.emplace_back(d, kPerRank, 9, ShuffleMode::kShuffle, drop, ShardSpec{r, kWorld});
      for (int r = 0; r < kWorld; ++r) {
        EXPECT_EQ(ranks[static_cast<std::size_t>(r)].batchesPerEpoch(), single.batchesPerEpoch());
        EXPECT_EQ(ranks[static_cast<std::size_t>(r)].globalBatchSize(), 32);
      }
      for (int step = 0; step < 2 * single.batchesPerEpoch(); ++step) {
        const Batch global = single.nextTrainingBatch();
        std::vector<int64_t> joined;
        for (int r = 0; r < kWorld; ++r) {
          const Batch part = ranks[static_cast<std::size_t>(r)].nextTrainingBatch();
          EXPECT_EQ(part.epoch, global.epoch);
          EXPECT_EQ(part.indexInEpoch, global.indexInEpoch);
          if (global.size() == 32) {
            EXPECT_EQ(part.size(), kPerRank);
          }
          const auto p = ids(part);
          joined.insert(joined.end(), p.begin(), p.end());
        }
        EXPECT_EQ(joined, ids(global)) << "n=" << n << " step=" << step;
      }
    }
  }
  // The last partial global batch of 102 examples (102 - 3 * 32 = 6) splits 2, 2, 1, 1.
  const ClassificationDataset d = indexDataset(102);
  std::vector<int64_t> sizes;
  for (int r = 0; r < 4; ++r) {
    BatchLoader loader(d, 8, 9, ShuffleMode::kShuffle, DropLast::kNo, ShardSpec{r, 4});
    loader.seek(0, 3);
    Batch b;
    ASSERT_TRUE(loader.next(b));
    sizes.push_back(b.size());
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{2, 2, 1, 1}));
}

TEST(BatchLoader, ForEachBatchIteratesOnceWithoutMovingTheCursor) {
  const ClassificationDataset d = indexDataset(23);
  BatchLoader loader(d, 5, 0, ShuffleMode::kSequential, DropLast::kNo);
  loader.nextTrainingBatch();
  std::vector<int64_t> seen;
  int64_t expectedIndex = 0;
  loader.forEachBatch([&](const Batch& b) {
    EXPECT_EQ(b.indexInEpoch, expectedIndex++);
    const auto p = ids(b);
    seen.insert(seen.end(), p.begin(), p.end());
  });
  std::vector<int64_t> all(23);
  std::iota(all.begin(), all.end(), int64_t{0});
  EXPECT_EQ(seen, all);
  EXPECT_EQ(loader.epoch(), 0);
  EXPECT_EQ(loader.position(), 1);
  // Shuffled: the current epoch's order.
  BatchLoader shuffled(d, 5, 4, ShuffleMode::kShuffle, DropLast::kNo);
  shuffled.seek(3, 0);
  seen.clear();
  shuffled.forEachBatch([&](const Batch& b) {
    const auto p = ids(b);
    seen.insert(seen.end(), p.begin(), p.end());
  });
  EXPECT_EQ(seen, shuffled.epochOrder(3));
}

TEST(BatchLoader, KeepsItsOwnHandleOnTheDataset) {
  auto loader = [] {
    const ClassificationDataset d = indexDataset(6);
    return BatchLoader(d, 6, 0, ShuffleMode::kSequential, DropLast::kYes);
  }();
  Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(ids(b), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  // Earlier batches stay valid: each batch gets its own storage.
  Batch c;
  loader.next(c);
  loader.next(c);
  EXPECT_EQ(ids(b), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(BatchLoader, RejectsBadBatchSizesAndShards) {
  const ClassificationDataset d = indexDataset(103);
  std::string msg =
      invalidArgumentOf([&] { BatchLoader(d, 0, 1, ShuffleMode::kShuffle, DropLast::kNo); });
  EXPECT_NE(msg.find("batch size 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("103"), std::string::npos) << msg;
  msg = invalidArgumentOf([&] { BatchLoader(d, -4, 1, ShuffleMode::kShuffle, DropLast::kYes); });
  EXPECT_NE(msg.find("batch size -4"), std::string::npos) << msg;
  msg = invalidArgumentOf([&] { BatchLoader(d, 200, 1, ShuffleMode::kShuffle, DropLast::kYes); });
  EXPECT_NE(msg.find("batch size 200"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset size 103"), std::string::npos) << msg;
  msg = invalidArgumentOf(
      [&] { BatchLoader(d, 30, 1, ShuffleMode::kShuffle, DropLast::kYes, ShardSpec{0, 4}); });
  EXPECT_NE(msg.find("30 x 4 ranks = 120"), std::string::npos) << msg;
  EXPECT_THROW(BatchLoader(d, 5, 1, ShuffleMode::kShuffle, DropLast::kYes, ShardSpec{4, 4}), std::invalid_argument);
  EXPECT_THROW(BatchLoader(d, 5, 1, ShuffleMode::kShuffle, DropLast::kYes, ShardSpec{0, 0}), std::invalid_argument);
  // Without DropLast a batch larger than the dataset is one batch of everything.
  BatchLoader whole(d, 200, 1, ShuffleMode::kShuffle, DropLast::kNo);
  EXPECT_EQ(whole.batchesPerEpoch(), 1);
  EXPECT_EQ(whole.nextTrainingBatch().size(), 103);
}

}  // namespace
}  // namespace gaplab
