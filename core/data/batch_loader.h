// core/data/batch_loader.h — deterministic, resumable, shardable mini-batches.
//
// Why: the order in which examples are seen must depend only on (seed, epoch),
// never on how a run was interrupted or how many ranks share it, so that a
// resumed run replays exactly and a data-parallel run sees the same global
// batches as a single-rank run with the same global batch size.
//
// Order: epoch e visits the examples in a Fisher-Yates permutation drawn from
// RngStream(seed, RngPurpose::kShuffle, e) (ShuffleMode::kShuffle) or in index
// order (kSequential). Global batch b of an epoch is permutation positions
// [b * G, (b + 1) * G) with G = batchSize * worldSize; rank r takes the
// contiguous slice [r * batchSize, (r + 1) * batchSize) of it. A final partial
// global batch (DropLast::kNo) of m < G examples is split as evenly as possible:
// rank r gets m / W examples, plus one if r < m % W, still contiguous and in
// rank order (a rank may get an empty batch when m < W).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/data/dataset.h"
#include "core/tensor.h"

namespace gaplab {

enum class ShuffleMode { kShuffle, kSequential };
enum class DropLast { kYes, kNo };

// This process's place in a data-parallel group.
struct ShardSpec {
  int rank = 0;
  int worldSize = 1;
};

struct Batch {
  Tensor inputs;                // [b, ...example shape]; fresh storage per batch
  std::vector<int32_t> labels;  // [b]
  int64_t epoch = 0;
  int64_t indexInEpoch = 0;     // which global batch of the epoch (0-based)
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

class BatchLoader {
 public:
  // Keeps a copy of `dataset` (the input tensor is shared, not copied).
  // Throws std::invalid_argument naming the batch size and dataset size when
  // batchSize <= 0, or when DropLast::kYes and batchSize * worldSize exceeds the
  // dataset size; for an invalid shard (worldSize < 1, rank outside
  // [0, worldSize)); and for an invalid or empty dataset (validateDataset).
  BatchLoader(const ClassificationDataset& dataset, int64_t batchSize, uint64_t seed, ShuffleMode shuffle,
              DropLast dropLast, ShardSpec shard = {});

  // The next batch of the current epoch into `out` (its inputs get new storage,
  // so tensors kept from earlier batches stay valid). At the end of an epoch
  // returns false, leaves `out` untouched and moves to the start of the next
  // epoch; `while (loader.next(batch))` is exactly one epoch.
  bool next(Batch& out);

  // For training: never runs out, rolling over to the next epoch as needed.
  Batch nextTrainingBatch();

  // For evaluation: one pass over all batches of epoch epoch(), in that epoch's
  // order, without moving the cursor.
  void forEachBatch(const std::function<void(const Batch&)>& fn) const;

  // Resume: the next batch will be global batch `position` of `epoch`, the
  // same batch an uninterrupted run would produce there. Throws
  // std::out_of_range unless epoch >= 0 and 0 <= position <= batchesPerEpoch().
  void seek(int64_t epoch, int64_t position);

  int64_t epoch() const { return epoch_; }
  // Global batches already taken in the current epoch (what seek() takes back).
  int64_t position() const { return position_; }
  // Fractional epochs done: epoch() + position() / batchesPerEpoch().
  double epochProgress() const;
  int64_t batchesPerEpoch() const { return batchesPerEpoch_; }
  int64_t batchSize() const { return batchSize_; }              // per rank
  int64_t globalBatchSize() const { return batchSize_ * shard_.worldSize; }
  const ClassificationDataset& dataset() const { return dataset_; }

  // The visiting order of `epoch`: a permutation of [0, dataset size).
  std::vector<int64_t> epochOrder(int64_t epoch) const;

 private:
  const std::vector<int64_t>& orderFor(int64_t epoch);
  void gather(const std::vector<int64_t>& order, int64_t epoch, int64_t batchIndex, Batch& out) const;

  ClassificationDataset dataset_;
  int64_t batchSize_;
  uint64_t seed_;
  ShuffleMode shuffle_;
  DropLast dropLast_;
  ShardSpec shard_;
  int64_t batchesPerEpoch_ = 0;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> order_;     // epochOrder(orderEpoch_)
  int64_t orderEpoch_ = -1;
};

}  // namespace gaplab
