// tests/distributed/mpi_communicator_test.cpp — run under `mpirun -np 2`: the MPI
// collectives, and data-parallel training over 2 ranks against one process with
// the same global batch (the union of the shards is the global batch).
#include "distributed/mpi_communicator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/data/synthetic.h"
#include "core/ops/sync_batch_norm.h"
#include "core/rng.h"
#include "workloads/classification_workload.h"
#include "workloads/mlp_model.h"
#include "workloads/optimizer_factory.h"
#include "workloads/single_run.h"
#include "workloads/trainer.h"

namespace gaplab {
namespace {

MpiCommunicator& world() {
  static MpiCommunicator comm;
  return comm;
}

TEST(MpiCommunicator, ReportsRankAndSize) {
  EXPECT_GE(world().size(), 2) << "run this test under mpirun -np 2 (or more)";
  EXPECT_GE(world().rank(), 0);
  EXPECT_LT(world().rank(), world().size());
}

TEST(MpiCommunicator, SumsFloatsInPlaceAndReducesDoubles) {
  const int n = world().size(), r = world().rank();
  std::vector<float> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(r + 1) * static_cast<float>(i);
  world().allReduceSum(v.data(), static_cast<int64_t>(v.size()));
  const float ranksSum = static_cast<float>(n * (n + 1) / 2);
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_FLOAT_EQ(v[i], ranksSum * static_cast<float>(i));
  EXPECT_DOUBLE_EQ(world().allReduceMax(static_cast<double>(r)), n - 1);
  EXPECT_DOUBLE_EQ(world().allReduceSum(1.5), 1.5 * n);
  EXPECT_NO_THROW(world().barrier());
}

// Trains a BatchNorm-free MLP (BatchNorm statistics are per rank by design) on a
// synthetic task and returns the final parameters.
std::vector<float> trainMlp(Communicator& comm, int64_t batchPerRank) {
  ClassificationData data;
  ClassificationDataset all = makeSyntheticClassification(1200, {16}, 4, 11);
  std::vector<int64_t> trainIdx, valIdx;
  for (int64_t i = 0; i < all.size(); ++i) (i < 1000 ? trainIdx : valIdx).push_back(i);
  data.train = subset(all, trainIdx);
  data.validation = subset(all, valIdx);
  data.evalTrain = makeTrainEvalSplit(data.train, 100, 3).evalTrain;
  auto arena = std::make_unique<ParameterArena>();
  MlpSpec spec;
  spec.inputs = 16;
  spec.widths = {32};
  spec.classes = 4;
  spec.norm = MlpNorm::kNone;
  auto model = buildMlp(*arena, spec);
  RngStream init(3, RngPurpose::kInit);
  arena->allocate(init);
  ClassificationWorkload workload(std::move(data), std::move(arena), std::move(model), batchPerRank, 3, 0.0f,
                                  ShardSpec{comm.rank(), comm.size()});
  RunConfig rc;
  rc.workload = "synthetic";
  rc.training.batchSize = batchPerRank;
  rc.training.maxSteps = 30;
  rc.training.evalEverySteps = 10;
  rc.optimizer.learningRate = 0.05;
  rc.schedule.totalSteps = 30;
  rc.target.value = 2.0;  // never reached
  auto optimizer = makeOptimizer(rc.optimizer);
  auto schedule = makeSchedule(rc.schedule, rc.optimizer.learningRate);
  const TrialResult r = Trainer(rc, workload, *optimizer, *schedule, comm).run(0.0);
  EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.statusMessage;
  EXPECT_EQ(r.ranks, comm.size());
  if (comm.size() > 1) {
    EXPECT_GT(r.communicationSeconds, 0.0);
    EXPECT_LT(r.communicationSeconds, r.timedSeconds);
  } else {
    EXPECT_EQ(r.communicationSeconds, 0.0);
  }
  return std::vector<float>(workload.arena().values(), workload.arena().values() + workload.arena().size());
}

TEST(DataParallel, TwoRanksMatchOneProcessWithTheGlobalBatch) {
  setComputeThreads(1);
  const int n = world().size();
  const std::vector<float> parallel = trainMlp(world(), 16);
  LocalCommunicator local;
  const std::vector<float> single = trainMlp(local, 16 * n);
  ASSERT_EQ(parallel.size(), single.size());
  double maxDiff = 0.0;
  for (std::size_t i = 0; i < single.size(); ++i)
    maxDiff = std::max(maxDiff, static_cast<double>(std::abs(parallel[i] - single[i])));
  EXPECT_LT(maxDiff, 1e-4) << "parameters after 30 steps differ by " << maxDiff;
  // Every rank holds the same parameters.
  std::vector<float> summed = parallel;
  world().allReduceSum(summed.data(), static_cast<int64_t>(summed.size()));
  for (std::size_t i = 0; i < summed.size(); ++i) ASSERT_NEAR(summed[i], n * parallel[i], 1e-5 * (1 + std::abs(summed[i])));
}

// A forward pass that throws on one rank only (a GPU out of memory where trials
// share a GPU) fails the trial on every rank, in step; before, the other ranks
// waited in the loss sum (or matched it against the failed rank's next collective).
TEST(DataParallel, AForwardThatFailsOnOneRankFailsTheTrialOnAllRanks) {
  const int last = world().size() - 1;
  std::vector<std::string> overrides = {"training.max_steps=6", "training.eval_every_steps=2"};
  if (world().rank() == last) overrides.push_back("model.fail_at_step=3");
  PreparedRun run = prepareRunFromText("workload: noop\n", "noop.yaml", overrides);
  const TrialResult r = executeRun(run, world(), nullptr, nullptr, nullptr);
  EXPECT_EQ(r.status, TrialStatus::kFailed) << r.statusMessage;
  EXPECT_EQ(r.steps, 3);
  EXPECT_EQ(r.curve.size(), 1u);  // the evaluation at step 2
  const std::string expected = world().rank() == last ? "failing at step 3" : "failed on 1 other rank";
  EXPECT_NE(r.statusMessage.find(expected), std::string::npos) << r.statusMessage;
  // The ranks are still in step: a collective after the trial completes.
  EXPECT_DOUBLE_EQ(world().allReduceSum(1.0), static_cast<double>(world().size()));
}

TEST(SyncBatchNorm, RanksWithHalfTheBatchEachMatchBatchNormOnTheWholeBatch) {
  const int n = world().size(), r = world().rank();
  const int64_t rowsPerRank = 4, channels = 3;
  auto params = [&](ParameterArena& arena, ParamView& g, ParamView& b, BufferView& m, BufferView& v) {
    g = arena.addParameter("g", {channels}, Init::uniform(1.0f), WeightDecay::kSkip);
    b = arena.addParameter("b", {channels}, Init::uniform(0.5f), WeightDecay::kSkip);
    m = arena.addBuffer("m", {channels}, 0.0f);
    v = arena.addBuffer("v", {channels}, 1.0f);
    RngStream rng(2, RngPurpose::kInit);
    arena.allocate(rng);
  };
  ParameterArena syncArena, fullArena;
  ParamView g1, b1, g2, b2;
  BufferView m1, v1, m2, v2;
  params(syncArena, g1, b1, m1, v1);
  params(fullArena, g2, b2, m2, v2);
  // The same full batch on every rank; each rank feeds its rows to the synchronised op.
  RngStream data(7, RngPurpose::kSynthetic);
  std::vector<float> full(static_cast<std::size_t>(n * rowsPerRank * channels)), seed(full.size());
  for (auto& f : full) f = data.normal();
  for (auto& f : seed) f = data.normal();
  const std::size_t offset = static_cast<std::size_t>(r * rowsPerRank * channels), count = rowsPerRank * channels;
  auto slice = [&](const std::vector<float>& v) {
    return Tensor::fromVector({rowsPerRank, channels}, std::vector<float>(v.begin() + offset, v.begin() + offset + count));
  };
  BatchNormOptions o;
  Tape syncTape, fullTape;
  Variable xs(slice(full), RequiresGrad::kYes);
  Variable xf(Tensor::fromVector({n * rowsPerRank, channels}, full), RequiresGrad::kYes);
  Variable ys = syncBatchNorm(syncTape, xs, g1, b1, m1, v1, o, NormMode::kTrain, world());
  Variable yf = batchNorm(fullTape, xf, g2, b2, m2, v2, o, NormMode::kTrain);
  for (std::size_t i = 0; i < count; ++i) ASSERT_NEAR(ys.value().data()[i], yf.value().data()[offset + i], 1e-5);
  for (int64_t c = 0; c < channels; ++c) EXPECT_NEAR(v1.data()[c], v2.data()[c], 1e-5);  // unbiased over all rows
  syncTape.backward(ys, slice(seed));
  fullTape.backward(yf, Tensor::fromVector({n * rowsPerRank, channels}, seed));
  for (std::size_t i = 0; i < count; ++i) ASSERT_NEAR(xs.grad().data()[i], xf.grad().data()[offset + i], 1e-5);
  // Parameter gradients are local; summed over ranks they equal the whole batch's.
  std::vector<float> grads(syncArena.grads(), syncArena.grads() + syncArena.size());
  world().allReduceSum(grads.data(), static_cast<int64_t>(grads.size()));
  for (std::size_t i = 0; i < grads.size(); ++i) ASSERT_NEAR(grads[i], fullArena.grads()[i], 1e-4);
}

}  // namespace
}  // namespace gaplab

int main(int argc, char** argv) {
  gaplab::MpiSession session(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints gtest's report; every rank's failures still fail the exit code.
  if (gaplab::world().rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  const double anyFailed = gaplab::world().allReduceMax(failed ? 1.0 : 0.0);
  return anyFailed > 0 ? 1 : 0;
}
