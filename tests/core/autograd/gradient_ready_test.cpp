// tests/core/autograd/gradient_ready_test.cpp — Tape::backward with a
// GradientReadyObserver: each parameter is reported exactly once, right after
// the backward of its earliest use in forward, and its gradient is final then.
#include "core/autograd/gradient_ready.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/autograd/tape.h"
#include "core/ops/embedding.h"
#include "core/ops/linear.h"
#include "core/rng.h"

namespace gaplab {
namespace {

// An op that logs its backward and declares the given parameters.
struct ParamOp final : Op {
  ParamOp(std::string id, std::vector<ParamView> params, std::vector<std::string>* log)
      : id(std::move(id)), params(std::move(params)), log(log) {}
  const char* name() const override { return "param_op"; }
  void backward() override { log->push_back(id); }
  void forEachParameter(const ParamVisitor& visit) const override {
    for (const ParamView& p : params) visit(p);
  }
  std::string id;
  std::vector<ParamView> params;
  std::vector<std::string>* log;
};

// Logs "p<index>" into the same log as the ops, and snapshots the gradient at report time.
class LoggingObserver final : public GradientReadyObserver {
 public:
  LoggingObserver(const ParameterArena& arena, std::vector<std::string>* log) : arena_(arena), log_(log) {}
  const ParameterArena& observedArena() const override { return arena_; }
  void onParameterGradientReady(int index) override {
    log_->push_back("p" + std::to_string(index));
    const ParamInfo& p = arena_.param(index);
    snapshots.emplace_back(index, std::vector<float>(arena_.grads() + p.offset, arena_.grads() + p.offset + p.numel));
  }
  std::vector<std::pair<int, std::vector<float>>> snapshots;

 private:
  const ParameterArena& arena_;
  std::vector<std::string>* log_;
};

std::unique_ptr<ParameterArena> arenaOf(int params) {
  auto arena = std::make_unique<ParameterArena>();
  for (int i = 0; i < params; ++i) arena->addParameter("p" + std::to_string(i), {2}, Init::zeros());
  RngStream rng(1, RngPurpose::kInit);
  arena->allocate(rng);
  return arena;
}

ParamView view(ParameterArena& arena, int index) { return ParamView(&arena, index); }

TEST(GradientReady, ReportsEachParameterRightAfterItsLastBackwardOp) {
  auto arena = arenaOf(4);
  std::vector<std::string> log;
  Tape tape;
  tape.push(std::make_unique<ParamOp>("op0", std::vector<ParamView>{view(*arena, 0)}, &log));
  tape.push(std::make_unique<ParamOp>("op1", std::vector<ParamView>{view(*arena, 1), view(*arena, 2)}, &log));
  tape.push(std::make_unique<ParamOp>("op2", std::vector<ParamView>{view(*arena, 3)}, &log));
  LoggingObserver observer(*arena, &log);
  Variable loss(Tensor::zeros({1}), RequiresGrad::kYes);
  tape.backward(loss, &observer);
  // One op, several parameters: descending index (reverse layout).
  EXPECT_EQ(log, (std::vector<std::string>{"op2", "p3", "op1", "p2", "p1", "op0", "p0"}));
  EXPECT_EQ(tape.size(), 0u);
}

TEST(GradientReady, SharedWeightIsReportedOnlyAfterItsEarliestUse) {
  auto arena = arenaOf(2);  // p0 tied (used first and last in forward), p1 in between
  std::vector<std::string> log;
  Tape tape;
  tape.push(std::make_unique<ParamOp>("embed", std::vector<ParamView>{view(*arena, 0)}, &log));
  tape.push(std::make_unique<ParamOp>("mid", std::vector<ParamView>{view(*arena, 1)}, &log));
  tape.push(std::make_unique<ParamOp>("head", std::vector<ParamView>{view(*arena, 0)}, &log));
  LoggingObserver observer(*arena, &log);
  Variable loss(Tensor::zeros({1}), RequiresGrad::kYes);
  tape.backward(loss, &observer);
  EXPECT_EQ(log, (std::vector<std::string>{"head", "mid", "p1", "embed", "p0"}));
}

TEST(GradientReady, UntouchedParametersAreReportedAtTheEndAndOtherArenasIgnored) {
  auto arena = arenaOf(4);
  auto other = arenaOf(3);
  std::vector<std::string> log;
  Tape tape;
  tape.push(std::make_unique<ParamOp>("op0", std::vector<ParamView>{view(*arena, 1), ParamView()}, &log));
  tape.push(std::make_unique<ParamOp>("op1", std::vector<ParamView>{view(*other, 2)}, &log));
  LoggingObserver observer(*arena, &log);
  Variable loss(Tensor::zeros({1}), RequiresGrad::kYes);
  tape.backward(loss, &observer);
  EXPECT_EQ(log, (std::vector<std::string>{"op1", "op0", "p1", "p3", "p2", "p0"}));
  // An empty tape still reports every parameter once.
  log.clear();
  tape.backward(loss, &observer);
  EXPECT_EQ(log, (std::vector<std::string>{"p3", "p2", "p1", "p0"}));
}

// Real ops: a tied embedding (table used by embedding and as the head of a
// linear) and a linear layer between them. Every gradient snapshot taken at
// report time equals the final gradient, and every parameter is reported once.
TEST(GradientReady, RealOpsReportFinalGradientsExactlyOnce) {
  ParameterArena arena;
  const int64_t vocab = 5, d = 4;
  ParamView table = arena.addParameter("table", {vocab, d}, Init::normal(1.0f));
  ParamView w = arena.addParameter("w", {d, d}, Init::normal(1.0f));
  ParamView b = arena.addParameter("b", {d}, Init::normal(1.0f));
  ParamView unused = arena.addParameter("unused", {3}, Init::normal(1.0f));
  RngStream rng(4, RngPurpose::kInit);
  arena.allocate(rng);
  (void)unused;

  Tape tape;
  Variable e = embedding(tape, {0, 3, 4}, {3}, table);           // [3, d]
  Variable h = linear(tape, e, w, b, FusedActivation::kRelu);     // [3, d]
  Variable logits = linear(tape, h, table, ParamView());          // [3, vocab], tied head
  RngStream seedRng(5, RngPurpose::kSynthetic);
  std::vector<float> seed(3 * vocab);
  for (float& s : seed) s = seedRng.normal();
  std::vector<std::string> log;
  LoggingObserver observer(arena, &log);
  tape.backward(logits, Tensor::fromVector({3, vocab}, seed), &observer);

  EXPECT_EQ(log, (std::vector<std::string>{"p2", "p1", "p0", "p3"}));
  ASSERT_EQ(observer.snapshots.size(), arena.params().size());
  std::vector<int> seen(arena.params().size(), 0);
  for (const auto& [index, snapshot] : observer.snapshots) {
    ++seen.at(static_cast<std::size_t>(index));
    const ParamInfo& p = arena.param(index);
    const std::vector<float> final(arena.grads() + p.offset, arena.grads() + p.offset + p.numel);
    EXPECT_EQ(snapshot, final) << "gradient of " << p.name << " changed after it was reported";
  }
  for (int s : seen) EXPECT_EQ(s, 1);
  // The tied table got both contributions: some row the embedding did not touch is non-zero (head part).
  bool headPart = false;
  for (int64_t j = 0; j < d; ++j) headPart = headPart || table.grad()[1 * d + j] != 0.0f;
  EXPECT_TRUE(headPart);
}

}  // namespace
}  // namespace gaplab
