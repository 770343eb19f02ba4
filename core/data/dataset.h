// core/data/dataset.h — an in-memory labelled dataset and the eval-train split.
//
// Why: every classification workload (Fashion-MNIST, synthetic tasks) hands
// the trainer the same thing: a float input tensor, integer labels and the
// number of classes. The generalization gap needs a fixed, seed-determined
// subset of the training examples to evaluate on, chosen the same way everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace gaplab {

// `inputs` is [N, ...] (images are [N, C, H, W]); `labels[i]` in [0, numClasses)
// is the class of example i. Copying a ClassificationDataset copies the labels
// but *shares* the input storage (Tensor is a handle); subset() makes new storage.
struct ClassificationDataset {
  Tensor inputs;
  std::vector<int32_t> labels;
  int numClasses = 0;
  std::string name;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // The shape of one example: inputs.shape() without its leading N.
  Shape exampleShape() const;
  // Floats per example (product of exampleShape()).
  int64_t exampleNumel() const;
};

// Throws std::invalid_argument naming `dataset.name` when inputs are undefined
// or of rank < 2, inputs.dim(0) != labels.size(), numClasses < 1, or a label is
// outside [0, numClasses).
void validateDataset(const ClassificationDataset& dataset);

// The examples at `indices`, in that order (repeats allowed), copied into new
// storage; name and numClasses are kept. Throws std::out_of_range naming the
// offending index and the dataset size.
ClassificationDataset subset(const ClassificationDataset& dataset, const std::vector<int64_t>& indices);

// AlgoPerf's eval-train split. `evalTrain` is a random subset OF the training
// examples: the model trains on these examples too (it is not held out). The
// generalization gap at each evaluation is
//   metric(evalTrain) - metric(validation)   (and loss the other way round),
// i.e. how much better the model does on data it has seen than on data it has
// not. So `train` is the full training set, unchanged (sharing its input
// storage with the argument), and `evalTrain` is a copy of k of its examples.
struct TrainEvalSplit {
  ClassificationDataset train;
  ClassificationDataset evalTrain;
};

// k distinct indices in [0, datasetSize), ascending, drawn by a partial
// Fisher-Yates shuffle from RngStream(seed, RngPurpose::kEvalSubset): the same
// (datasetSize, k, seed) always gives the same indices. Throws
// std::invalid_argument unless 1 <= k <= datasetSize.
std::vector<int64_t> drawEvalTrainIndices(int64_t datasetSize, int64_t k, uint64_t seed);

// train = `training` (full), evalTrain = subset(training, drawEvalTrainIndices(...))
// named "<name>/eval-train".
TrainEvalSplit makeTrainEvalSplit(const ClassificationDataset& training, int64_t evalTrainSize, uint64_t seed);

}  // namespace gaplab
