// core/data/batch_loader.cpp — per-epoch permutations and row gathers (see the
// header for the order and sharding contract).
#include "core/data/batch_loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/rng.h"

namespace gaplab {

BatchLoader::BatchLoader(const ClassificationDataset& dataset, int64_t batchSize, uint64_t seed, ShuffleMode shuffle,
                         DropLast dropLast, ShardSpec shard)
    : dataset_(dataset), batchSize_(batchSize), seed_(seed), shuffle_(shuffle), dropLast_(dropLast), shard_(shard) {
  validateDataset(dataset_);
  const int64_t n = dataset_.size();
  const std::string who = "BatchLoader over dataset '" + dataset_.name + "' (" + std::to_string(n) + " examples)";
  if (n < 1) throw std::invalid_argument(who + ": the dataset is empty; expected at least one example");
  if (shard_.worldSize < 1 || shard_.rank < 0 || shard_.rank >= shard_.worldSize)
    throw std::invalid_argument(who + ": shard rank " + std::to_string(shard_.rank) + " of world size " +
                                std::to_string(shard_.worldSize) + "; expected worldSize >= 1 and 0 <= rank < worldSize");
  if (batchSize_ <= 0)
    throw std::invalid_argument(who + ": batch size " + std::to_string(batchSize_) + "; expected 1.." +
                                std::to_string(n));
  const int64_t global = globalBatchSize();
  if (dropLast_ == DropLast::kYes && global > n)
    throw std::invalid_argument(who + ": batch size " + std::to_string(batchSize_) +
                                (shard_.worldSize > 1 ? " x " + std::to_string(shard_.worldSize) + " ranks = " +
                                                            std::to_string(global)
                                                      : std::string()) +
                                " exceeds the dataset size " + std::to_string(n) +
                                " with DropLast::kYes (no batch would ever be produced); expected at most " +
                                std::to_string(n));
  batchesPerEpoch_ = dropLast_ == DropLast::kYes ? n / global : (n + global - 1) / global;
}

std::vector<int64_t> BatchLoader::epochOrder(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<std::size_t>(dataset_.size()));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (shuffle_ == ShuffleMode::kShuffle) {
    RngStream rng(seed_, RngPurpose::kShuffle, static_cast<uint64_t>(epoch));
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      const auto j = static_cast<std::size_t>(rng.below(static_cast<uint64_t>(i) + 1));
      std::swap(order[i], order[j]);
    }
  }
  return order;
}

const std::vector<int64_t>& BatchLoader::orderFor(int64_t epoch) {
  if (orderEpoch_ != epoch) {
    order_ = epochOrder(epoch);
    orderEpoch_ = epoch;
  }
  return order_;
}

void BatchLoader::gather(const std::vector<int64_t>& order, int64_t epoch, int64_t batchIndex, Batch& out) const {
  const int64_t n = dataset_.size();
  const int64_t globalBegin = batchIndex * globalBatchSize();
  const int64_t m = std::min(globalBatchSize(), n - globalBegin);  // this global batch's size
  const int64_t world = shard_.worldSize, rank = shard_.rank;
  const int64_t base = m / world, extra = m % world;  // equals batchSize_, 0 for a full batch
  const int64_t begin = globalBegin + rank * base + std::min(rank, extra);
  const int64_t count = base + (rank < extra ? 1 : 0);

  Shape shape = dataset_.inputs.shape();
  shape[0] = count;
  out.inputs = Tensor::empty(shape);
  out.labels.resize(static_cast<std::size_t>(count));
  const int64_t row = dataset_.exampleNumel();
  const std::size_t rowBytes = static_cast<std::size_t>(row) * sizeof(float);
  const float* src = dataset_.inputs.data();
  float* dst = out.inputs.data();
  // Serial on purpose: a memory-bound copy of a few hundred KiB, where waking
  // OpenMP threads (busy with or competing against the step's ops) costs more.
  for (int64_t i = 0; i < count; ++i) {
    const int64_t example = order[static_cast<std::size_t>(begin + i)];
    std::memcpy(dst + i * row, src + example * row, rowBytes);
    out.labels[static_cast<std::size_t>(i)] = dataset_.labels[static_cast<std::size_t>(example)];
  }
  out.epoch = epoch;
  out.indexInEpoch = batchIndex;
}

bool BatchLoader::next(Batch& out) {
  if (position_ >= batchesPerEpoch_) {
    ++epoch_;
    position_ = 0;
    return false;
  }
  gather(orderFor(epoch_), epoch_, position_, out);
  ++position_;
  return true;
}

Batch BatchLoader::nextTrainingBatch() {
  Batch batch;
  if (!next(batch)) next(batch);  // batchesPerEpoch_ >= 1, so the new epoch has a batch
  return batch;
}

void BatchLoader::forEachBatch(const std::function<void(const Batch&)>& fn) const {
  const std::vector<int64_t> fresh = orderEpoch_ == epoch_ ? std::vector<int64_t>() : epochOrder(epoch_);
  const std::vector<int64_t>& order = orderEpoch_ == epoch_ ? order_ : fresh;
  Batch batch;
  for (int64_t b = 0; b < batchesPerEpoch_; ++b) {
    gather(order, epoch_, b, batch);
    fn(batch);
  }
}

void BatchLoader::seek(int64_t epoch, int64_t position) {
  if (epoch < 0 || position < 0 || position > batchesPerEpoch_)
    throw std::out_of_range("BatchLoader::seek(" + std::to_string(epoch) + ", " + std::to_string(position) +
                            ") on dataset '" + dataset_.name + "': expected epoch >= 0 and 0 <= position <= " +
                            std::to_string(batchesPerEpoch_) + " (batches per epoch)");
  epoch_ = epoch;
  position_ = position;
}

double BatchLoader::epochProgress() const {
  return static_cast<double>(epoch_) + static_cast<double>(position_) / static_cast<double>(batchesPerEpoch_);
}

}  // namespace gaplab
