// tests/core/ops/sync_batch_norm_test.cpp — synchronised BatchNorm on one rank equals
// BatchNorm, its gradients match finite differences, and ghost batches are refused.
// (The multi-rank case runs under mpirun in tests/distributed/.)
#include "core/ops/sync_batch_norm.h"

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

class OneRank final : public RankSum {
 public:
  int ranks() const override { return 1; }
  void sumInPlace(float*, int64_t) override { ++calls; }
  int calls = 0;
};

struct Params {
  ParameterArena arena;
  ParamView gamma, beta;
  BufferView mean, var;
  explicit Params(int64_t c) {
    gamma = arena.addParameter("g", {c}, Init::uniform(1.0f), WeightDecay::kSkip);
    beta = arena.addParameter("b", {c}, Init::uniform(0.5f), WeightDecay::kSkip);
    mean = arena.addBuffer("m", {c}, 0.0f);
    var = arena.addBuffer("v", {c}, 1.0f);
    RngStream rng(2, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

TEST(SyncBatchNorm, OnOneRankEqualsBatchNorm) {
  for (const Shape& shape : {Shape{8, 3}, Shape{4, 2, 3, 3}}) {
    Params p(shape[1]), q(shape[1]);
    std::copy(p.arena.values(), p.arena.values() + p.arena.size(), q.arena.values());
    OneRank one;
    BatchNormOptions o;
    o.activation = FusedActivation::kRelu;
    const Tensor x = testing::randomTensor(shape, 5);
    Tape t1, t2;
    Variable x1(x.clone(), RequiresGrad::kYes), x2(x.clone(), RequiresGrad::kYes);
    Variable y1 = syncBatchNorm(t1, x1, p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain, one);
    Variable y2 = batchNorm(t2, x2, q.gamma, q.beta, q.mean, q.var, o, NormMode::kTrain);
    for (int64_t i = 0; i < y1.value().numel(); ++i) ASSERT_NEAR(y1.value().data()[i], y2.value().data()[i], 1e-5);
    const Tensor seed = testing::randomTensor(shape, 6);
    t1.backward(y1, seed);
    t2.backward(y2, seed);
    for (int64_t i = 0; i < x.numel(); ++i) ASSERT_NEAR(x1.grad().data()[i], x2.grad().data()[i], 1e-5);
    for (int64_t i = 0; i < p.arena.size(); ++i) ASSERT_NEAR(p.arena.grads()[i], q.arena.grads()[i], 1e-5);
    for (int64_t c = 0; c < shape[1]; ++c) ASSERT_NEAR(p.var.data()[c], q.var.data()[c], 1e-6);
    EXPECT_EQ(one.calls, 3);  // mean, variance, backward sums
  }
}

TEST(SyncBatchNorm, GradientMatchesFiniteDifferences) {
  Params p(3);
  OneRank one;
  BatchNormOptions o;
  testing::GradCheckOptions gc;
  gc.relTol = 3e-2;
  gc.absTol = 5e-3;
  testing::expectGradientsMatch(
      p.arena, {testing::randomTensor({6, 3}, 9)},
      [&](Tape& tape, std::vector<Variable>& in) {
        return syncBatchNorm(tape, in[0], p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain, one);
      },
      gc);
}

TEST(SyncBatchNorm, GhostBatchesAreRefused) {
  Params p(2);
  OneRank one;
  BatchNormOptions o;
  o.ghostSize = 2;
  Tape tape;
  Variable x(Tensor::zeros({4, 2}));
  EXPECT_THROW(syncBatchNorm(tape, x, p.gamma, p.beta, p.mean, p.var, o, NormMode::kTrain, one), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
