// tests/core/nn/sequential_test.cpp — Sequential runs its modules in insertion order and describes them in that order.
#include "core/nn/sequential.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gaplab {
namespace {

// y = x * scale + shift, logging its tag; order matters for the result.
class AffineModule final : public Module {
 public:
  AffineModule(std::string tag, float scale, float shift, std::vector<std::string>* log)
      : tag_(std::move(tag)), scale_(scale), shift_(shift), log_(log) {}
  Variable forward(Tape&, const Variable& x, const ForwardContext& context) override {
    log_->push_back(tag_ + "@" + std::to_string(context.step));
    Tensor y = x.value().clone();
    for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] = y.data()[i] * scale_ + shift_;
    return Variable(y);
  }
  std::string describe() const override { return tag_; }
  float scale() const { return scale_; }

 private:
  std::string tag_;
  float scale_, shift_;
  std::vector<std::string>* log_;
};

TEST(Sequential, EmptyIsIdentityWithEmptyDescription) {
  Sequential s;
  Tape tape;
  Variable x(Tensor::fromVector({2}, {1, 2}));
  Variable y = s.forward(tape, x, {});
  EXPECT_EQ(y.value().data(), x.value().data());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.describe(), "");
}

TEST(Sequential, AppliesModulesInInsertionOrder) {
  std::vector<std::string> log;
  Sequential s;
  s.add<AffineModule>("double", 2.0f, 0.0f, &log);
  s.add<AffineModule>("plus_one", 1.0f, 1.0f, &log);
  Tape tape;
  ForwardContext context;
  context.step = 7;
  Variable y = s.forward(tape, Variable(Tensor::fromVector({2}, {1, 3})), context);
  // (x * 2) + 1, not (x + 1) * 2.
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{3, 7}));
  EXPECT_EQ(log, (std::vector<std::string>{"double@7", "plus_one@7"}));
}

TEST(Sequential, AddReturnsTheInsertedModule) {
  std::vector<std::string> log;
  Sequential s;
  AffineModule& m = s.add<AffineModule>("a", 3.0f, 0.0f, &log);
  EXPECT_FLOAT_EQ(m.scale(), 3.0f);
  EXPECT_EQ(s.size(), 1u);
}

TEST(Sequential, DescribeJoinsWithArrows) {
  std::vector<std::string> log;
  Sequential s;
  s.add<AffineModule>("A", 1.0f, 0.0f, &log);
  EXPECT_EQ(s.describe(), "A");
  s.add<AffineModule>("B", 1.0f, 0.0f, &log);
  s.add<AffineModule>("C", 1.0f, 0.0f, &log);
  EXPECT_EQ(s.describe(), "A -> B -> C");
  EXPECT_EQ(s.size(), 3u);
}

TEST(Sequential, NestsAsAModule) {
  std::vector<std::string> log;
  Sequential outer;
  Sequential& inner = outer.add<Sequential>();
  inner.add<AffineModule>("x2", 2.0f, 0.0f, &log);
  inner.add<AffineModule>("x3", 3.0f, 0.0f, &log);
  outer.add<AffineModule>("-1", 1.0f, -1.0f, &log);
  Tape tape;
  Variable y = outer.forward(tape, Variable(Tensor::fromVector({1}, {1})), {});
  EXPECT_FLOAT_EQ(y.value().item(), 5.0f);
  EXPECT_EQ(outer.describe(), "x2 -> x3 -> -1");
}

}  // namespace
}  // namespace gaplab
