// tests/core/autograd/variable_test.cpp — Variable handles and the assign-then-accumulate gradient contract.
#include "core/autograd/variable.h"

#include <gtest/gtest.h>

#include <vector>

namespace gaplab {
namespace {

TEST(Variable, DefaultIsUndefinedAndNeedsNoGradient) {
  Variable v;
  EXPECT_FALSE(v.defined());
  EXPECT_FALSE(v.requiresGrad());
}

TEST(Variable, HoldsItsValueAsASharedTensorHandle) {
  Tensor t = Tensor::fromVector({2, 2}, {1, 2, 3, 4});
  Variable v(t);
  EXPECT_TRUE(v.defined());
  EXPECT_FALSE(v.requiresGrad());
  EXPECT_EQ(v.shape(), (Shape{2, 2}));
  EXPECT_EQ(v.value().data(), t.data());
  EXPECT_TRUE(Variable(t, RequiresGrad::kYes).requiresGrad());
}

TEST(Variable, GradientIsAllocatedOnFirstWriteOnly) {
  Variable v(Tensor::zeros({2, 3}), RequiresGrad::kYes);
  EXPECT_FALSE(v.hasGrad());
  EXPECT_FALSE(v.grad().defined());
  GradWrite mode = GradWrite::kAccumulate;
  Tensor g = v.gradForWrite(&mode);
  EXPECT_EQ(mode, GradWrite::kAssign);
  EXPECT_TRUE(v.hasGrad());
  EXPECT_EQ(g.shape(), (Shape{2, 3}));
  EXPECT_EQ(g.data(), v.grad().data());
  EXPECT_NE(g.data(), v.value().data());
}

TEST(Variable, SecondWriterAccumulatesIntoTheSameStorage) {
  Variable v(Tensor::zeros({3}), RequiresGrad::kYes);
  GradWrite mode;
  Tensor first = v.gradForWrite(&mode);
  ASSERT_EQ(mode, GradWrite::kAssign);
  first.copyFrom(Tensor::fromVector({3}, {1, 2, 3}));
  Tensor second = v.gradForWrite(&mode);
  EXPECT_EQ(mode, GradWrite::kAccumulate);
  EXPECT_EQ(second.data(), first.data());
  second.vector() += Tensor::fromVector({3}, {10, 20, 30}).vector();
  EXPECT_EQ(v.grad().toVector(), (std::vector<float>{11, 22, 33}));
  v.gradForWrite(&mode);
  EXPECT_EQ(mode, GradWrite::kAccumulate);
}

TEST(Variable, CopiesShareTheNodeIncludingTheGradient) {
  Variable a(Tensor::zeros({2}), RequiresGrad::kYes);
  Variable b = a;
  GradWrite mode;
  a.gradForWrite(&mode).fill(4.0f);
  ASSERT_TRUE(b.hasGrad());
  EXPECT_EQ(b.grad().toVector(), (std::vector<float>{4, 4}));
  b.gradForWrite(&mode);
  EXPECT_EQ(mode, GradWrite::kAccumulate);  // a already wrote it
}

TEST(Variable, ClearGradMakesTheNextWriterAssignAgain) {
  Variable v(Tensor::zeros({2}), RequiresGrad::kYes);
  GradWrite mode;
  v.gradForWrite(&mode);
  v.clearGrad();
  EXPECT_FALSE(v.hasGrad());
  v.gradForWrite(&mode);
  EXPECT_EQ(mode, GradWrite::kAssign);
}

}  // namespace
}  // namespace gaplab
