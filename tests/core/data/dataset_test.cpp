// tests/core/data/dataset_test.cpp — subsets, validation and the eval-train split.
#include "core/data/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace gaplab {
namespace {

// Example i has every input value equal to i and label i % classes.
ClassificationDataset indexDataset(int64_t n, int classes = 3) {
  ClassificationDataset d;
  d.inputs = Tensor::empty({n, 2, 3});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 6; ++j) d.inputs.data()[i * 6 + j] = static_cast<float>(i);
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(static_cast<int32_t>(i % classes));
  d.numClasses = classes;
  d.name = "index";
  return d;
}

TEST(Dataset, SizeAndExampleShape) {
  const ClassificationDataset d = indexDataset(7);
  EXPECT_EQ(d.size(), 7);
  EXPECT_EQ(d.exampleShape(), (Shape{2, 3}));
  EXPECT_EQ(d.exampleNumel(), 6);
  EXPECT_NO_THROW(validateDataset(d));
}

TEST(Dataset, SubsetGathersRowsAndLabelsInOrderIntoNewStorage) {
  const ClassificationDataset d = indexDataset(10);
  ClassificationDataset s = subset(d, {7, 2, 2, 9});
  EXPECT_EQ(s.inputs.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(s.labels, (std::vector<int32_t>{1, 2, 2, 0}));
  EXPECT_EQ(s.numClasses, 3);
  EXPECT_EQ(s.name, "index");
  const std::vector<float> v = s.inputs.toVector();
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 6; ++j) EXPECT_EQ(v[static_cast<std::size_t>(r * 6 + j)], (std::vector<float>{7, 2, 2, 9}[r]));
  s.inputs.data()[0] = -1.0f;
  EXPECT_EQ(d.inputs.data()[7 * 6], 7.0f);  // not shared
}

TEST(Dataset, SubsetRejectsOutOfRangeIndices) {
  const ClassificationDataset d = indexDataset(10);
  try {
    subset(d, {1, 10});
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("index 10"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[0, 10)"), std::string::npos) << msg;
  }
  EXPECT_THROW(subset(d, {-1}), std::out_of_range);
}

TEST(Dataset, ValidateRejectsInconsistentDatasets) {
  ClassificationDataset d = indexDataset(5);
  d.labels[3] = 3;
  EXPECT_THROW(validateDataset(d), std::invalid_argument);
  d = indexDataset(5);
  d.labels.pop_back();
  EXPECT_THROW(validateDataset(d), std::invalid_argument);
  d = indexDataset(5);
  d.numClasses = 0;
  EXPECT_THROW(validateDataset(d), std::invalid_argument);
  d = indexDataset(5);
  d.inputs = Tensor();
  EXPECT_THROW(validateDataset(d), std::invalid_argument);
}

TEST(Dataset, EvalTrainIndicesAreDeterministicDistinctAndSorted) {
  const std::vector<int64_t> a = drawEvalTrainIndices(1000, 100, 42);
  EXPECT_EQ(a, drawEvalTrainIndices(1000, 100, 42));
  EXPECT_NE(a, drawEvalTrainIndices(1000, 100, 43));
  ASSERT_EQ(a.size(), 100u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()).size(), 100u);
  EXPECT_GE(a.front(), 0);
  EXPECT_LT(a.back(), 1000);
  // Spread over the whole set, not a prefix.
  EXPECT_GT(a.back(), 500);
  EXPECT_LT(a.front(), 500);
  // k == n takes everything.
  const std::vector<int64_t> all = drawEvalTrainIndices(7, 7, 1);
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_THROW(drawEvalTrainIndices(10, 0, 1), std::invalid_argument);
  EXPECT_THROW(drawEvalTrainIndices(10, 11, 1), std::invalid_argument);
}

TEST(Dataset, EvalTrainIsASubsetOfTheFullTrainingSet) {
  const ClassificationDataset d = indexDataset(50);
  const TrainEvalSplit split = makeTrainEvalSplit(d, 8, 7);
  // train is the whole training set (shared storage), not what remains after removing evalTrain.
  EXPECT_EQ(split.train.size(), 50);
  EXPECT_EQ(split.train.inputs.data(), d.inputs.data());
  EXPECT_EQ(split.train.labels, d.labels);
  EXPECT_EQ(split.train.name, "index");
  // evalTrain holds copies of exactly the drawn training examples.
  ASSERT_EQ(split.evalTrain.size(), 8);
  EXPECT_EQ(split.evalTrain.name, "index/eval-train");
  EXPECT_EQ(split.evalTrain.numClasses, 3);
  const std::vector<int64_t> idx = drawEvalTrainIndices(50, 8, 7);
  for (int64_t r = 0; r < 8; ++r) {
    const auto i = idx[static_cast<std::size_t>(r)];
    EXPECT_EQ(split.evalTrain.inputs.data()[r * 6], static_cast<float>(i));
    EXPECT_EQ(split.evalTrain.labels[static_cast<std::size_t>(r)], d.labels[static_cast<std::size_t>(i)]);
  }
  // Same seed, same subset.
  const TrainEvalSplit again = makeTrainEvalSplit(d, 8, 7);
  EXPECT_EQ(again.evalTrain.inputs.toVector(), split.evalTrain.inputs.toVector());
}

}  // namespace
}  // namespace gaplab
