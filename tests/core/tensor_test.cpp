// tests/core/tensor_test.cpp — Tensor factories, handle/deep-copy semantics, shapes, views and their errors.
#include "core/tensor.h"
#include "core/device_memory.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace gaplab {
namespace {

// Runs `action`, expects it to throw E and returns the message.
template <class E, class F>
std::string messageOf(F&& action) {
  try {
    action();
  } catch (const E& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Tensor, DefaultIsUndefined) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.rank(), 0);
}

TEST(Tensor, EmptyHasShapeNumelAndCpuDevice) {
  Tensor t = Tensor::empty({2, 3, 4});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.rank(), 3);
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.device(), Device::kCpu);
  EXPECT_EQ(t.dtype(), DType::kF32);
}

TEST(Tensor, EmptyOnCudaWithoutAGpuThrowsWithTheReason) {
  if (cudaAvailable()) GTEST_SKIP() << "a GPU is visible: tests/core/cuda covers device tensors";
  std::string message = messageOf<std::runtime_error>([] { Tensor::empty({2}, Device::kCuda); });
  EXPECT_TRUE(contains(message, cudaUnavailableReason())) << message;
}

TEST(Tensor, HostViewsOfACudaTensorAreRefused) {
  if (!cudaAvailable()) GTEST_SKIP() << cudaUnavailableReason();
  Tensor t = Tensor::zeros({2, 3}, Device::kCuda);
  std::string message = messageOf<std::logic_error>([&] { t.matrix(); });
  EXPECT_TRUE(contains(message, "to(Device::kCpu)")) << message;
}

TEST(Tensor, NegativeDimensionThrowsNamingTheShape) {
  std::string message = messageOf<std::invalid_argument>([] { Tensor::zeros({2, -1}); });
  EXPECT_TRUE(contains(message, "[2, -1]")) << message;
}

TEST(Tensor, ZerosAndFullFillEveryElement) {
  EXPECT_EQ(Tensor::zeros({2, 2}).toVector(), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(Tensor::full({3}, 2.5f).toVector(), (std::vector<float>{2.5f, 2.5f, 2.5f}));
  Tensor t = Tensor::zeros({0, 5});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_TRUE(t.defined());
}

TEST(Tensor, FromVectorKeepsRowMajorOrder) {
  Tensor t = Tensor::fromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t.toVector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_FLOAT_EQ(t.data()[4], 5.0f);
}

TEST(Tensor, FromVectorWithWrongCountThrowsNamingCountAndShape) {
  std::string message = messageOf<std::invalid_argument>([] { Tensor::fromVector({2, 2}, {1, 2, 3}); });
  EXPECT_TRUE(contains(message, "3 values")) << message;
  EXPECT_TRUE(contains(message, "[2, 2]")) << message;
}

TEST(Tensor, BorrowViewsCallerMemoryWithoutCopying) {
  std::vector<float> memory{1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::borrow(memory.data(), {3, 2});
  EXPECT_EQ(t.data(), memory.data());
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.numel(), 6);
  t.data()[0] = 42.0f;
  EXPECT_FLOAT_EQ(memory[0], 42.0f);
  memory[5] = -1.0f;
  EXPECT_FLOAT_EQ(t.toVector()[5], -1.0f);
}

TEST(Tensor, CopySharesStorage) {
  Tensor a = Tensor::zeros({4});
  Tensor b = a;
  EXPECT_EQ(a.data(), b.data());
  b.data()[2] = 7.0f;
  EXPECT_FLOAT_EQ(a.data()[2], 7.0f);
}

TEST(Tensor, CloneIsDeep) {
  Tensor a = Tensor::fromVector({2, 2}, {1, 2, 3, 4});
  Tensor c = a.clone();
  EXPECT_NE(c.data(), a.data());
  EXPECT_EQ(c.shape(), a.shape());
  EXPECT_EQ(c.toVector(), a.toVector());
  c.data()[0] = 100.0f;
  EXPECT_FLOAT_EQ(a.data()[0], 1.0f);
  a.data()[3] = -4.0f;
  EXPECT_FLOAT_EQ(c.data()[3], 4.0f);
}

TEST(Tensor, CloneOfBorrowedViewOwnsItsStorage) {
  std::vector<float> memory{1, 2};
  Tensor c = Tensor::borrow(memory.data(), {2}).clone();
  memory[0] = 9.0f;
  EXPECT_EQ(c.toVector(), (std::vector<float>{1, 2}));
}

TEST(Tensor, ReshapeSharesStorageAndChangesOnlyTheShape) {
  Tensor a = Tensor::fromVector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = a.reshape({3, 2});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.data(), a.data());
  r.data()[5] = 60.0f;
  EXPECT_FLOAT_EQ(a.data()[5], 60.0f);
  EXPECT_EQ(a.reshape({6}).numel(), 6);
}

TEST(Tensor, ReshapeToWrongNumelThrowsWithBothShapes) {
  Tensor a = Tensor::zeros({2, 3});
  std::string message = messageOf<std::invalid_argument>([&] { a.reshape({4, 2}); });
  EXPECT_TRUE(contains(message, "[2, 3]")) << message;
  EXPECT_TRUE(contains(message, "[4, 2]")) << message;
}

TEST(Tensor, DimCountsNegativeAxesFromTheEnd) {
  Tensor t = Tensor::empty({2, 3, 5});
  EXPECT_EQ(t.dim(0), 2);
  EXPECT_EQ(t.dim(2), 5);
  EXPECT_EQ(t.dim(-1), 5);
  EXPECT_EQ(t.dim(-3), 2);
}

TEST(Tensor, DimOutOfRangeThrowsNamingAxisAndShape) {
  Tensor t = Tensor::empty({2, 3});
  std::string message = messageOf<std::out_of_range>([&] { t.dim(2); });
  EXPECT_TRUE(contains(message, "axis 2")) << message;
  EXPECT_TRUE(contains(message, "[2, 3]")) << message;
  message = messageOf<std::out_of_range>([&] { t.dim(-3); });
  EXPECT_TRUE(contains(message, "axis -3")) << message;
}

TEST(Tensor, ItemReadsTheSingleElement) {
  EXPECT_FLOAT_EQ(Tensor::full({}, 3.5f).item(), 3.5f);
  EXPECT_FLOAT_EQ(Tensor::full({1, 1}, -2.0f).item(), -2.0f);
}

TEST(Tensor, ItemOfManyElementsThrowsNamingTheShape) {
  std::string message = messageOf<std::invalid_argument>([] { Tensor::zeros({2}).item(); });
  EXPECT_TRUE(contains(message, "[2]")) << message;
}

TEST(Tensor, FillOverwritesEveryElement) {
  Tensor t = Tensor::zeros({3});
  t.fill(-1.5f);
  EXPECT_EQ(t.toVector(), (std::vector<float>{-1.5f, -1.5f, -1.5f}));
}

TEST(Tensor, CopyFromNeedsTheSameNumelNotTheSameShape) {
  Tensor dst = Tensor::zeros({2, 2});
  Tensor src = Tensor::fromVector({4}, {1, 2, 3, 4});
  dst.copyFrom(src);
  EXPECT_EQ(dst.toVector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_NE(dst.data(), src.data());
  std::string message = messageOf<std::invalid_argument>([&] { dst.copyFrom(Tensor::zeros({3})); });
  EXPECT_TRUE(contains(message, "[3]")) << message;
  EXPECT_TRUE(contains(message, "[2, 2]")) << message;
}

TEST(Tensor, MatrixViewIsRowsByRestAndWritesThrough) {
  Tensor t = Tensor::fromVector({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  MatrixMap m = t.matrix();
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m.cols(), 6);
  EXPECT_FLOAT_EQ(m(1, 0), 6.0f);
  EXPECT_FLOAT_EQ(m(0, 5), 5.0f);
  m(1, 5) = -11.0f;
  EXPECT_FLOAT_EQ(t.data()[11], -11.0f);
  const Tensor& ct = t;
  ConstMatrixMap cm = ct.matrix();
  EXPECT_EQ(cm.rows(), 2);
  EXPECT_FLOAT_EQ(cm(1, 5), -11.0f);
}

TEST(Tensor, MatrixViewOfScalarIsOneByOneAndOfEmptyRowsIsZeroColumns) {
  Tensor s = Tensor::full({}, 4.0f);
  EXPECT_EQ(s.matrix().rows(), 1);
  EXPECT_EQ(s.matrix().cols(), 1);
  Tensor e = Tensor::zeros({0, 3});
  EXPECT_EQ(e.matrix().rows(), 0);
  EXPECT_EQ(e.matrix().cols(), 0);
}

TEST(Tensor, VectorViewCoversEveryElement) {
  Tensor t = Tensor::fromVector({2, 2}, {1, 2, 3, 4});
  EXPECT_FLOAT_EQ(t.vector().sum(), 10.0f);
  t.vector() *= 2.0f;
  EXPECT_EQ(t.toVector(), (std::vector<float>{2, 4, 6, 8}));
}

TEST(Tensor, ShapeHelpers) {
  EXPECT_EQ(shapeToString({}), "[]");
  EXPECT_EQ(shapeToString({4, 1, 28}), "[4, 1, 28]");
  EXPECT_EQ(shapeNumel({}), 1);
  EXPECT_EQ(shapeNumel({3, 0, 2}), 0);
  EXPECT_EQ(shapeNumel({3, 4, 2}), 24);
  EXPECT_EQ(toString(Device::kCpu), "cpu");
  EXPECT_EQ(toString(Device::kCuda), "cuda");
}

TEST(Tensor, CheckShapePassesOnMatchAndNamesWhatAndBothShapesOtherwise) {
  Tensor t = Tensor::zeros({2, 3});
  EXPECT_NO_THROW(checkShape(t, {2, 3}, "weights"));
  std::string message = messageOf<std::invalid_argument>([&] { checkShape(t, {3, 2}, "weights"); });
  EXPECT_TRUE(contains(message, "weights")) << message;
  EXPECT_TRUE(contains(message, "expected shape [3, 2]")) << message;
  EXPECT_TRUE(contains(message, "got [2, 3]")) << message;
  // Same numel, different rank, is still a mismatch.
  EXPECT_THROW(checkShape(t, {6}, "weights"), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
