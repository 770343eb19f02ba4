// core/data/dataset.cpp — validation, row gathers and the eval-train draw.
#include "core/data/dataset.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "core/rng.h"

namespace gaplab {

Shape ClassificationDataset::exampleShape() const {
  const Shape& s = inputs.shape();
  return s.empty() ? Shape{} : Shape(s.begin() + 1, s.end());
}

int64_t ClassificationDataset::exampleNumel() const { return shapeNumel(exampleShape()); }

void validateDataset(const ClassificationDataset& dataset) {
  const std::string who = "dataset '" + dataset.name + "'";
  if (!dataset.inputs.defined())
    throw std::invalid_argument(who + ": inputs are undefined; expected an [N, ...] tensor");
  if (dataset.inputs.rank() < 2)
    throw std::invalid_argument(who + ": inputs have shape " + shapeToString(dataset.inputs.shape()) +
                                "; expected [N, ...] with rank >= 2");
  if (dataset.inputs.dim(0) != dataset.size())
    throw std::invalid_argument(who + ": inputs have " + std::to_string(dataset.inputs.dim(0)) + " rows but there are " +
                                std::to_string(dataset.size()) + " labels; expected equal counts");
  if (dataset.numClasses < 1)
    throw std::invalid_argument(who + ": numClasses is " + std::to_string(dataset.numClasses) + "; expected >= 1");
  for (std::size_t i = 0; i < dataset.labels.size(); ++i) {
    const int32_t y = dataset.labels[i];
    if (y < 0 || y >= dataset.numClasses)
      throw std::invalid_argument(who + ": label " + std::to_string(y) + " at index " + std::to_string(i) +
                                  "; expected 0.." + std::to_string(dataset.numClasses - 1));
  }
}

ClassificationDataset subset(const ClassificationDataset& dataset, const std::vector<int64_t>& indices) {
  const int64_t n = dataset.size();
  if (!dataset.inputs.defined() || dataset.inputs.rank() < 1 || dataset.inputs.dim(0) != n)
    throw std::invalid_argument("subset of dataset '" + dataset.name + "': inputs " +
                                (dataset.inputs.defined() ? shapeToString(dataset.inputs.shape()) : "undefined") +
                                " do not match " + std::to_string(n) + " labels");
  for (std::size_t i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || indices[i] >= n)
      throw std::out_of_range("subset of dataset '" + dataset.name + "': index " + std::to_string(indices[i]) +
                              " (position " + std::to_string(i) + ") is outside [0, " + std::to_string(n) + ")");

  ClassificationDataset out;
  out.numClasses = dataset.numClasses;
  out.name = dataset.name;
  Shape shape = dataset.inputs.shape();
  shape[0] = static_cast<int64_t>(indices.size());
  out.inputs = Tensor::empty(shape);
  const int64_t row = dataset.exampleNumel();
  const float* src = dataset.inputs.data();
  float* dst = out.inputs.data();
  out.labels.resize(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    std::memcpy(dst + static_cast<int64_t>(i) * row, src + indices[i] * row, static_cast<std::size_t>(row) * sizeof(float));
    out.labels[i] = dataset.labels[static_cast<std::size_t>(indices[i])];
  }
  return out;
}

std::vector<int64_t> drawEvalTrainIndices(int64_t datasetSize, int64_t k, uint64_t seed) {
  if (k < 1 || k > datasetSize)
    throw std::invalid_argument("eval-train subset of " + std::to_string(k) + " examples from a training set of " +
                                std::to_string(datasetSize) + "; expected 1 <= size <= training set size");
  std::vector<int64_t> pool(static_cast<std::size_t>(datasetSize));
  std::iota(pool.begin(), pool.end(), int64_t{0});
  RngStream rng(seed, RngPurpose::kEvalSubset);
  // Partial Fisher-Yates: after step i, pool[0..i] is a uniform sample without replacement.
  for (int64_t i = 0; i < k; ++i) {
    const auto j = i + static_cast<int64_t>(rng.below(static_cast<uint64_t>(datasetSize - i)));
    std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
  }
  pool.resize(static_cast<std::size_t>(k));
  std::sort(pool.begin(), pool.end());
  return pool;
}

TrainEvalSplit makeTrainEvalSplit(const ClassificationDataset& training, int64_t evalTrainSize, uint64_t seed) {
  TrainEvalSplit split;
  split.train = training;
  split.evalTrain = subset(training, drawEvalTrainIndices(training.size(), evalTrainSize, seed));
  split.evalTrain.name = training.name + "/eval-train";
  return split;
}

}  // namespace gaplab
