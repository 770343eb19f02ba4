// tests/core/autograd/tape_test.cpp — reverse replay, loss seeding, inference mode and fan-out accumulation.
#include "core/autograd/tape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/add.h"
#include "core/ops/linear.h"
#include "core/rng.h"

namespace gaplab {
namespace {

// An op that only logs that its backward ran.
struct LoggingOp final : Op {
  LoggingOp(int id, std::vector<int>* log) : id(id), log(log) {}
  const char* name() const override { return "logging"; }
  void backward() override { log->push_back(id); }
  int id;
  std::vector<int>* log;
};

template <class F>
std::string invalidArgumentOf(F&& action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return "";
}

// Two 2x2 weights and a 1x2 head, no biases, with fixed values.
struct FanOutModel {
  ParameterArena arena;
  ParamView w1, w2, head;
  FanOutModel() {
    w1 = arena.addParameter("w1", {2, 2}, Init::zeros());
    w2 = arena.addParameter("w2", {2, 2}, Init::zeros());
    head = arena.addParameter("head", {1, 2}, Init::zeros());
    RngStream rng(1, RngPurpose::kInit);
    arena.allocate(rng);
    set(w1, {1, 2, 3, 4});
    set(w2, {0, -1, 2, 1});
    set(head, {1, 2});
  }
  static void set(const ParamView& p, const std::vector<float>& v) { std::copy(v.begin(), v.end(), p.value()); }
  static std::vector<float> grad(const ParamView& p) { return {p.grad(), p.grad() + p.numel()}; }
};

TEST(Tape, BackwardReplaysOpsInReverseOrderAndClearsTheTape) {
  Tape tape;
  std::vector<int> log;
  for (int i = 0; i < 3; ++i) tape.push(std::make_unique<LoggingOp>(i, &log));
  EXPECT_EQ(tape.size(), 3u);
  Variable loss(Tensor::zeros({1}), RequiresGrad::kYes);
  tape.backward(loss);
  EXPECT_EQ(log, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(tape.size(), 0u);
  tape.backward(loss);  // nothing left to replay
  EXPECT_EQ(log.size(), 3u);
}

TEST(Tape, ScalarBackwardSeedsOneThenAccumulates) {
  Tape tape;
  Variable loss(Tensor::full({}, 5.0f), RequiresGrad::kYes);
  tape.backward(loss);
  EXPECT_FLOAT_EQ(loss.grad().item(), 1.0f);
  tape.backward(loss);
  EXPECT_FLOAT_EQ(loss.grad().item(), 2.0f);
}

TEST(Tape, BackwardAcceptsAnyOneElementShape) {
  Tape tape;
  Variable loss(Tensor::full({1, 1}, 0.0f), RequiresGrad::kYes);
  EXPECT_NO_THROW(tape.backward(loss));
  EXPECT_FLOAT_EQ(loss.grad().item(), 1.0f);
}

TEST(Tape, BackwardRequiresAScalarLoss) {
  Tape tape;
  std::vector<int> log;
  tape.push(std::make_unique<LoggingOp>(0, &log));
  Variable notScalar(Tensor::zeros({2}), RequiresGrad::kYes);
  std::string message = invalidArgumentOf([&] { tape.backward(notScalar); });
  EXPECT_NE(message.find("scalar"), std::string::npos) << message;
  EXPECT_FALSE(notScalar.hasGrad());
  Variable undefined;
  EXPECT_THROW(tape.backward(undefined), std::invalid_argument);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(tape.size(), 1u);  // a failed backward leaves the tape alone
}

TEST(Tape, InferenceModeRecordsNothing) {
  Tape tape(TapeMode::kInference);
  EXPECT_FALSE(tape.recording());
  std::vector<int> log;
  tape.push(std::make_unique<LoggingOp>(0, &log));
  EXPECT_EQ(tape.size(), 0u);

  FanOutModel m;
  Variable x(Tensor::fromVector({1, 2}, {1, 2}), RequiresGrad::kNo);
  Variable y = linear(tape, x, m.w1, ParamView());
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{5, 11}));
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_FALSE(y.requiresGrad());

  tape.setMode(TapeMode::kRecord);
  EXPECT_TRUE(tape.recording());
  linear(tape, x, m.w1, ParamView());
  EXPECT_EQ(tape.size(), 1u);
  tape.clear();
  EXPECT_EQ(tape.size(), 0u);
}

TEST(Tape, OutputGradientMustMatchTheOutputShape) {
  Tape tape;
  Variable out(Tensor::zeros({2, 3}), RequiresGrad::kYes);
  std::string message = invalidArgumentOf([&] { tape.backward(out, Tensor::zeros({3, 2})); });
  EXPECT_NE(message.find("Tape::backward output gradient"), std::string::npos) << message;
  EXPECT_NE(message.find("[2, 3]"), std::string::npos) << message;
  EXPECT_NE(message.find("[3, 2]"), std::string::npos) << message;
  EXPECT_FALSE(out.hasGrad());
}

TEST(Tape, OutputGradientIsCopiedThenAccumulated) {
  Tape tape;
  Variable out(Tensor::zeros({2}), RequiresGrad::kYes);
  Tensor seed = Tensor::fromVector({2}, {1.5f, -2.0f});
  tape.backward(out, seed);
  EXPECT_EQ(out.grad().toVector(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_NE(out.grad().data(), seed.data());
  tape.backward(out, seed);
  EXPECT_EQ(out.grad().toVector(), (std::vector<float>{3.0f, -4.0f}));
}

TEST(Tape, FanOutAccumulatesBothBranchesIntoTheInputGradient) {
  FanOutModel m;
  Tape tape;
  Variable x(Tensor::fromVector({1, 2}, {1, 2}), RequiresGrad::kYes);
  Variable y1 = linear(tape, x, m.w1, ParamView());  // [5, 11]
  Variable y2 = linear(tape, x, m.w2, ParamView());  // [-2, 4]
  Variable z = add(tape, y1, y2);                    // [3, 15]
  EXPECT_EQ(z.value().toVector(), (std::vector<float>{3, 15}));
  EXPECT_EQ(tape.size(), 3u);
  tape.backward(z, Tensor::fromVector({1, 2}, {1, 2}));
  // dx = dz W1 + dz W2 = [7, 10] + [4, 1]
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{11, 11}));
  // dW = dz^T x for both branches
  EXPECT_EQ(FanOutModel::grad(m.w1), (std::vector<float>{1, 2, 2, 4}));
  EXPECT_EQ(FanOutModel::grad(m.w2), (std::vector<float>{1, 2, 2, 4}));
  EXPECT_EQ(tape.size(), 0u);
}

TEST(Tape, ScalarLossThroughAFanOutGraph) {
  FanOutModel m;
  Tape tape;
  Variable x(Tensor::fromVector({1, 2}, {1, 2}), RequiresGrad::kYes);
  Variable z = add(tape, linear(tape, x, m.w1, ParamView()), linear(tape, x, m.w2, ParamView()));
  Variable loss = linear(tape, z, m.head, ParamView());  // 3*1 + 15*2
  ASSERT_EQ(loss.value().numel(), 1);
  EXPECT_FLOAT_EQ(loss.value().item(), 33.0f);
  tape.backward(loss);
  EXPECT_EQ(FanOutModel::grad(m.head), (std::vector<float>{3, 15}));
  EXPECT_EQ(z.grad().toVector(), (std::vector<float>{1, 2}));
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{11, 11}));

  // Parameter and input gradients both persist: a second pass adds on top.
  Variable z2 = add(tape, linear(tape, x, m.w1, ParamView()), linear(tape, x, m.w2, ParamView()));
  Variable loss2 = linear(tape, z2, m.head, ParamView());
  tape.backward(loss2);
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{22, 22}));
  EXPECT_EQ(FanOutModel::grad(m.w1), (std::vector<float>{2, 4, 4, 8}));
  EXPECT_EQ(FanOutModel::grad(m.head), (std::vector<float>{6, 30}));
}

TEST(Tape, InputsThatNeedNoGradientGetNone) {
  FanOutModel m;
  Tape tape;
  Variable x(Tensor::fromVector({1, 2}, {1, 2}), RequiresGrad::kNo);
  Variable y = linear(tape, x, m.w1, ParamView());
  tape.backward(y, Tensor::fromVector({1, 2}, {1, 1}));
  EXPECT_FALSE(x.hasGrad());
  EXPECT_EQ(FanOutModel::grad(m.w1), (std::vector<float>{1, 2, 1, 2}));
}

}  // namespace
}  // namespace gaplab
