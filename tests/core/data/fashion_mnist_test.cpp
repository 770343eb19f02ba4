// tests/core/data/fashion_mnist_test.cpp — the real Debian files (skipped when
// absent) and small fake directories for normalisation and every error path.
#include "core/data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <stdexcept>

#include "core/data/idx_file.h"

namespace gaplab {
namespace {

namespace fs = std::filesystem;

bool haveRealData() { return fs::is_directory(kFashionMnistDir); }

std::string runtimeErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a std::runtime_error";
  return "";
}

class FakeFashionMnist : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_fmnist_" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // n test images whose pixels are all `pixel`, and the given labels.
  void writeTestSplit(int64_t n, uint8_t pixel, const std::vector<uint8_t>& labels) {
    IdxArray images{{n, 28, 28}, std::vector<uint8_t>(static_cast<std::size_t>(n * 784), pixel)};
    writeIdxFile((dir_ / "t10k-images-idx3-ubyte.gz").string(), images, IdxCompression::kGzip);
    writeIdxFile((dir_ / "t10k-labels-idx1-ubyte.gz").string(),
                 IdxArray{{static_cast<int64_t>(labels.size())}, labels}, IdxCompression::kGzip);
  }

  fs::path dir_;
};

TEST(FashionMnist, LoadsTheRealTrainingAndTestSets) {
  if (!haveRealData()) GTEST_SKIP() << kFashionMnistDir << " is absent (apt-get install dataset-fashion-mnist)";
  const auto start = std::chrono::steady_clock::now();
  const ClassificationDataset train = loadFashionMnist(FashionMnistSplit::kTrain);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("loadFashionMnist(kTrain): %.3f s\n", seconds);
  const ClassificationDataset test = loadFashionMnist(kFashionMnistDir, FashionMnistSplit::kTest);

  EXPECT_EQ(train.size(), kFashionMnistTrainSize);
  EXPECT_EQ(test.size(), kFashionMnistTestSize);
  EXPECT_EQ(train.inputs.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(test.inputs.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_EQ(train.numClasses, 10);
  EXPECT_EQ(train.name, "fashion-mnist/train");
  EXPECT_EQ(test.name, "fashion-mnist/test");
  EXPECT_NO_THROW(validateDataset(train));
  EXPECT_NO_THROW(validateDataset(test));

  // Balanced classes: 6000 per class in train, 1000 in test.
  std::vector<int64_t> trainCounts(10), testCounts(10);
  for (int32_t y : train.labels) ++trainCounts[static_cast<std::size_t>(y)];
  for (int32_t y : test.labels) ++testCounts[static_cast<std::size_t>(y)];
  EXPECT_EQ(trainCounts, std::vector<int64_t>(10, 6000));
  EXPECT_EQ(testCounts, std::vector<int64_t>(10, 1000));

  // Normalised with the training statistics: mean ~0, std ~1 on the training set.
  double sum = 0, sumSq = 0;
  for (float v : train.inputs.toVector()) {
    sum += v;
    sumSq += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(train.inputs.numel());
  const double mean = sum / n, stdev = std::sqrt(sumSq / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(stdev, 1.0, 0.01);
}

TEST(FashionMnist, LimitKeepsTheFirstExamples) {
  if (!haveRealData()) GTEST_SKIP() << kFashionMnistDir << " is absent (apt-get install dataset-fashion-mnist)";
  const ClassificationDataset full = loadFashionMnist(FashionMnistSplit::kTest);
  const ClassificationDataset head = loadFashionMnist(FashionMnistSplit::kTest, 100);
  ASSERT_EQ(head.size(), 100);
  EXPECT_EQ(head.inputs.shape(), (Shape{100, 1, 28, 28}));
  EXPECT_EQ(head.labels, std::vector<int32_t>(full.labels.begin(), full.labels.begin() + 100));
  EXPECT_TRUE(std::equal(head.inputs.data(), head.inputs.data() + head.inputs.numel(), full.inputs.data()));
  EXPECT_EQ(loadFashionMnist(FashionMnistSplit::kTest, 20000).size(), 10000);
  EXPECT_THROW(loadFashionMnist(FashionMnistSplit::kTest, 0), std::invalid_argument);
}

TEST(FashionMnist, MissingDirectoryNamesThePackage) {
  const std::string missing = "/nonexistent/gaplab/fashion-mnist";
  const std::string msg = runtimeErrorOf([&] { loadFashionMnist(missing, FashionMnistSplit::kTrain); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
  EXPECT_NE(msg.find("apt-get install dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST_F(FakeFashionMnist, MissingFileNamesThePathAndThePackage) {
  writeTestSplit(2, 0, {1, 2});
  const std::string msg = runtimeErrorOf([&] { loadFashionMnist(dir_.string(), FashionMnistSplit::kTrain); });
  EXPECT_NE(msg.find((dir_ / "train-images-idx3-ubyte.gz").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST_F(FakeFashionMnist, ScalesAndNormalisesPixels) {
  for (uint8_t pixel : {uint8_t{0}, uint8_t{255}, uint8_t{128}}) {
    writeTestSplit(3, pixel, {0, 9, 4});
    const ClassificationDataset d = loadFashionMnist(dir_.string(), FashionMnistSplit::kTest);
    EXPECT_EQ(d.inputs.shape(), (Shape{3, 1, 28, 28}));
    EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 9, 4}));
    const float expected = (pixel / 255.0f - 0.2860f) / 0.3530f;
    for (float v : d.inputs.toVector()) ASSERT_FLOAT_EQ(v, expected);
  }
}

TEST_F(FakeFashionMnist, RejectsCountMismatchBadLabelsAndWrongShape) {
  writeTestSplit(3, 0, {0, 1});
  std::string msg = runtimeErrorOf([&] { loadFashionMnist(dir_.string(), FashionMnistSplit::kTest); });
  EXPECT_NE(msg.find("3 images"), std::string::npos) << msg;
  EXPECT_NE(msg.find("2 labels"), std::string::npos) << msg;

  writeTestSplit(3, 0, {0, 10, 1});
  msg = runtimeErrorOf([&] { loadFashionMnist(dir_.string(), FashionMnistSplit::kTest, 1); });
  EXPECT_NE(msg.find("label 10 at index 1"), std::string::npos) << msg;

  writeIdxFile((dir_ / "t10k-images-idx3-ubyte.gz").string(), IdxArray{{2, 32, 32}, std::vector<uint8_t>(2048)},
               IdxCompression::kGzip);
  writeIdxFile((dir_ / "t10k-labels-idx1-ubyte.gz").string(), IdxArray{{2}, {0, 1}}, IdxCompression::kGzip);
  msg = runtimeErrorOf([&] { loadFashionMnist(dir_.string(), FashionMnistSplit::kTest); });
  EXPECT_NE(msg.find("[2, 32, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected [N, 28, 28]"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gaplab
