// tests/core/data/synthetic_test.cpp — determinism, shapes and learnability of the synthetic task.
#include "core/data/synthetic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gaplab {
namespace {

TEST(Synthetic, ShapeLabelsAndName) {
  const ClassificationDataset d = makeSyntheticClassification(300, {1, 4, 4}, 7, 1);
  EXPECT_EQ(d.inputs.shape(), (Shape{300, 1, 4, 4}));
  EXPECT_EQ(d.size(), 300);
  EXPECT_EQ(d.numClasses, 7);
  EXPECT_EQ(d.name, "synthetic");
  EXPECT_NO_THROW(validateDataset(d));
  std::vector<int> counts(7);
  for (int32_t y : d.labels) ++counts[static_cast<std::size_t>(y)];
  for (int c : counts) EXPECT_GT(c, 15);  // every class present (expected ~43 each)
  for (float v : d.inputs.toVector()) ASSERT_TRUE(std::isfinite(v));
}

TEST(Synthetic, DeterministicBySeedAndIndependentOfSize) {
  const ClassificationDataset a = makeSyntheticClassification(5000, {20}, 4, 77);
  const ClassificationDataset b = makeSyntheticClassification(5000, {20}, 4, 77);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.inputs.toVector(), b.inputs.toVector());
  const ClassificationDataset c = makeSyntheticClassification(5000, {20}, 4, 78);
  EXPECT_NE(a.inputs.toVector(), c.inputs.toVector());
  // The first 30 examples do not depend on how many are generated.
  const ClassificationDataset prefix = makeSyntheticClassification(30, {20}, 4, 77);
  EXPECT_EQ(prefix.labels, std::vector<int32_t>(a.labels.begin(), a.labels.begin() + 30));
  EXPECT_TRUE(std::equal(prefix.inputs.data(), prefix.inputs.data() + prefix.inputs.numel(), a.inputs.data()));
}

// A nearest-class-mean classifier fitted on 2000 examples must do far better
// than chance on 1000 others: the task is learnable and generalises.
TEST(Synthetic, IsLearnable) {
  constexpr int kClasses = 10;
  constexpr int64_t kDim = 64, kTrain = 2000, kTotal = 3000;
  const ClassificationDataset d = makeSyntheticClassification(kTotal, {1, 8, 8}, kClasses, 5);
  const float* x = d.inputs.data();
  std::vector<double> means(kClasses * kDim, 0.0);
  std::vector<int> counts(kClasses, 0);
  for (int64_t i = 0; i < kTrain; ++i) {
    const int y = d.labels[static_cast<std::size_t>(i)];
    ++counts[static_cast<std::size_t>(y)];
    for (int64_t j = 0; j < kDim; ++j) means[static_cast<std::size_t>(y * kDim + j)] += x[i * kDim + j];
  }
  for (int c = 0; c < kClasses; ++c)
    for (int64_t j = 0; j < kDim; ++j) means[static_cast<std::size_t>(c * kDim + j)] /= counts[static_cast<std::size_t>(c)];
  int correct = 0;
  for (int64_t i = kTrain; i < kTotal; ++i) {
    int best = -1;
    double bestDist = std::numeric_limits<double>::infinity();
    for (int c = 0; c < kClasses; ++c) {
      double dist = 0;
      for (int64_t j = 0; j < kDim; ++j) {
        const double diff = x[i * kDim + j] - means[static_cast<std::size_t>(c * kDim + j)];
        dist += diff * diff;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = c;
      }
    }
    correct += best == d.labels[static_cast<std::size_t>(i)];
  }
  const double accuracy = correct / static_cast<double>(kTotal - kTrain);
  EXPECT_GT(accuracy, 0.85);
  EXPECT_LT(accuracy, 1.0);  // not trivially separable
}

TEST(Synthetic, RejectsBadArguments) {
  EXPECT_THROW(makeSyntheticClassification(0, {3}, 2, 1), std::invalid_argument);
  EXPECT_THROW(makeSyntheticClassification(10, {3}, 1, 1), std::invalid_argument);
  EXPECT_THROW(makeSyntheticClassification(10, {}, 2, 1), std::invalid_argument);
  EXPECT_THROW(makeSyntheticClassification(10, {3, 0}, 2, 1), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
