// tests/distributed/gradient_reducer_test.cpp — run under `mpirun -np 2` and
// `-np 4`: the bucketed reducer against one MPI_Allreduce of the whole buffer
// (bit for bit on 2 ranks), bucket layout, reuse, readiness in different orders on
// different ranks, and data-parallel training against the one-shot path.
#include "distributed/gradient_reducer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/data/synthetic.h"
#include "core/ops/cross_entropy.h"
#include "core/rng.h"
#include "distributed/allreduce_bench.h"
#include "distributed/mpi_communicator.h"
#include "workloads/classification_workload.h"
#include "workloads/mlp_model.h"
#include "workloads/optimizer_factory.h"
#include "workloads/single_run.h"
#include "workloads/trainer.h"

namespace gaplab {
namespace {

MpiCommunicator& comm() {
  static MpiCommunicator c;
  return c;
}

// Forwards to the world communicator but has no non-blocking sum: the base
// class falls back to one blocking MPI_Allreduce per bucket. With a bucket as
// large as the model this is exactly the trainer's former one-shot path.
class BlockingOnly final : public Communicator {
 public:
  int rank() const override { return comm().rank(); }
  int size() const override { return comm().size(); }
  void allReduceSum(float* data, int64_t count) override { comm().allReduceSum(data, count); }
  double allReduceMax(double value) override { return comm().allReduceMax(value); }
  double allReduceSum(double value) override { return comm().allReduceSum(value); }
  void barrier() override { comm().barrier(); }
};

// Parameters of uneven sizes (like a small model), gradients random per rank.
std::unique_ptr<ParameterArena> makeArena() {
  auto arena = std::make_unique<ParameterArena>();
  const int64_t sizes[] = {300, 7, 1000, 1, 64, 513, 2048, 3, 129};
  for (std::size_t i = 0; i < std::size(sizes); ++i)
    arena->addParameter("p" + std::to_string(i), {sizes[i]}, Init::zeros());
  RngStream init(1, RngPurpose::kInit);
  arena->allocate(init);
  RngStream g(100 + static_cast<uint64_t>(comm().rank()), RngPurpose::kSynthetic);
  for (int64_t i = 0; i < arena->size(); ++i) arena->grads()[i] = g.normal();
  return arena;
}

std::vector<float> oneShotAverage(const ParameterArena& arena) {
  std::vector<float> v(arena.grads(), arena.grads() + arena.size());
  comm().allReduceSum(v.data(), static_cast<int64_t>(v.size()));
  const float inv = 1.0f / static_cast<float>(comm().size());
  for (float& x : v) x *= inv;
  return v;
}

bool bitwiseEqual(const float* a, const float* b, int64_t n) { return std::memcmp(a, b, sizeof(float) * n) == 0; }

TEST(GradientReducer, BucketsCoverTheBufferContiguouslyFromTheEnd) {
  auto arena = makeArena();
  LocalCommunicator local;
  for (int64_t bucketBytes : {int64_t{4}, int64_t{1000}, int64_t{4096}, GradientReducer::kDefaultBucketBytes}) {
    GradientReducer reducer(*arena, local, bucketBytes);
    const auto& b = reducer.buckets();
    ASSERT_FALSE(b.empty());
    EXPECT_EQ(b.front().lastParam, static_cast<int>(arena->params().size()) - 1);
    EXPECT_EQ(b.back().firstParam, 0);
    EXPECT_EQ(b.back().offset, 0);
    EXPECT_EQ(b.front().offset + b.front().count, arena->size());
    for (std::size_t i = 0; i < b.size(); ++i) {
      EXPECT_EQ(b[i].offset, arena->param(b[i].firstParam).offset);
      if (i + 1 < b.size()) {
        EXPECT_EQ(b[i + 1].lastParam + 1, b[i].firstParam);
        EXPECT_EQ(b[i + 1].offset + b[i + 1].count, b[i].offset);
      }
      // Every bucket but the first layers' one reaches the cap; none holds more than it needs to.
      if (i + 1 < b.size()) EXPECT_GE(b[i].count * 4, bucketBytes);
      const int64_t withoutFirst = b[i].count - arena->param(b[i].firstParam).numel;
      EXPECT_LT(withoutFirst * 4, bucketBytes);
    }
  }
  EXPECT_EQ(GradientReducer(*arena, local, 4).buckets().size(), arena->params().size());
  EXPECT_EQ(GradientReducer(*arena, local).buckets().size(), 1u);
  EXPECT_THROW(GradientReducer(*arena, local, 0), std::invalid_argument);
}

// A fingerprint of the bytes, equal on every rank iff max == min over ranks.
bool sameOnEveryRank(const float* data, int64_t n) {
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  for (int64_t i = 0; i < n * static_cast<int64_t>(sizeof(float)); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  const double f = static_cast<double>(h >> 11);  // exact in a double
  return comm().allReduceMax(f) == -comm().allReduceMax(-f);
}

// Two ranks: a + b is the same in any algorithm, so every bucket size gives the
// one-shot result bit for bit. More ranks: MPI picks its summation order by
// message size, so bucket sizes may differ from the one-shot sum in the last
// bits; each is still reproducible and identical on every rank.
TEST(GradientReducer, EqualsOneShotAllReduceForEveryBucketSize) {
  for (int64_t bucketBytes : {int64_t{4}, int64_t{256}, int64_t{4096}, int64_t{12000}, GradientReducer::kDefaultBucketBytes}) {
    std::vector<float> previous;
    for (int repeat = 0; repeat < 2; ++repeat) {
      auto arena = makeArena();
      const std::vector<float> expected = oneShotAverage(*arena);
      GradientReducer reducer(*arena, comm(), bucketBytes);
      for (int p = static_cast<int>(arena->params().size()) - 1; p >= 0; --p) reducer.onParameterGradientReady(p);
      reducer.finish();
      const std::string context = "bucket size " + std::to_string(bucketBytes) + " bytes, " +
                                  std::to_string(reducer.buckets().size()) + " buckets, " +
                                  std::to_string(comm().size()) + " ranks";
      if (comm().size() == 2) {
        EXPECT_TRUE(bitwiseEqual(arena->grads(), expected.data(), arena->size())) << context;
      } else {
        for (int64_t i = 0; i < arena->size(); ++i)
          ASSERT_NEAR(arena->grads()[i], expected[static_cast<std::size_t>(i)], 1e-6f) << context << ", element " << i;
      }
      EXPECT_TRUE(sameOnEveryRank(arena->grads(), arena->size())) << context;
      if (repeat == 1) EXPECT_TRUE(bitwiseEqual(arena->grads(), previous.data(), arena->size())) << context;
      previous.assign(arena->grads(), arena->grads() + arena->size());
    }
  }
}

// Small integers sum exactly in any order: this one holds for any rank count and MPI algorithm.
TEST(GradientReducer, ExactSumsOfIntegersAtAnyBucketSize) {
  for (int64_t bucketBytes : {int64_t{4}, int64_t{1000}, GradientReducer::kDefaultBucketBytes}) {
    auto arena = makeArena();
    for (int64_t i = 0; i < arena->size(); ++i) arena->grads()[i] = static_cast<float>((i % 17) * (comm().rank() + 1));
    GradientReducer reducer(*arena, comm(), bucketBytes);
    reducer.finish();  // nothing reported: finish() treats every parameter as ready
    const int n = comm().size();
    const float rankSum = static_cast<float>(n * (n + 1) / 2);
    for (int64_t i = 0; i < arena->size(); ++i)
      ASSERT_EQ(arena->grads()[i], static_cast<float>(i % 17) * rankSum / static_cast<float>(n)) << "element " << i;
  }
}

TEST(GradientReducer, RanksMayReportInDifferentOrdersAndTheResultIsReproducible) {
  std::vector<float> first;
  for (int repeat = 0; repeat < 2; ++repeat) {
    auto arena = makeArena();
    const std::vector<float> expected = oneShotAverage(*arena);
    GradientReducer reducer(*arena, comm(), 1000);
    // Each rank its own permutation: buckets must still start in bucket order everywhere.
    std::vector<int> order(arena->params().size());
    std::iota(order.begin(), order.end(), 0);
    RngStream shuffle(7 + static_cast<uint64_t>(comm().rank()), RngPurpose::kShuffle);
    for (std::size_t i = order.size() - 1; i > 0; --i)
      std::swap(order[i], order[static_cast<std::size_t>(shuffle.uniform(0.0f, 1.0f) * static_cast<float>(i + 1)) % (i + 1)]);
    for (int p : order) reducer.onParameterGradientReady(p);
    EXPECT_THROW(reducer.onParameterGradientReady(order.front()), std::logic_error);
    reducer.finish();
    std::vector<float> got(arena->grads(), arena->grads() + arena->size());
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-6f) << "element " << i;
    if (repeat == 0) first = got;
    else EXPECT_TRUE(bitwiseEqual(first.data(), got.data(), static_cast<int64_t>(got.size())));
    // Every rank holds the same averaged gradients.
    std::vector<float> summed = got;
    comm().allReduceSum(summed.data(), static_cast<int64_t>(summed.size()));
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(summed[i], got[i] * static_cast<float>(comm().size()), 1e-5f * (1.0f + std::abs(summed[i])));
  }
}

TEST(GradientReducer, SumModeLeavesTheSum) {
  auto arena = makeArena();
  std::vector<float> expected(arena->grads(), arena->grads() + arena->size());
  comm().allReduceSum(expected.data(), static_cast<int64_t>(expected.size()));
  GradientReducer reducer(*arena, comm(), 1000, BucketReduction::kSum);
  reducer.finish();
  EXPECT_TRUE(bitwiseEqual(arena->grads(), expected.data(), arena->size()));
}

TEST(GradientReducer, IsReusableAcrossBackwardsAndMeasuresCommunication) {
  auto arena = makeArena();
  GradientReducer reducer(*arena, comm(), 2048);
  for (int step = 0; step < 3; ++step) {
    const std::vector<float> expected = oneShotAverage(*arena);
    for (int p = static_cast<int>(arena->params().size()) - 1; p >= 0; --p) reducer.onParameterGradientReady(p);
    reducer.finish();
    EXPECT_TRUE(bitwiseEqual(arena->grads(), expected.data(), arena->size())) << "step " << step;
  }
  EXPECT_GT(reducer.takeCommunicationSeconds(), 0.0);
  EXPECT_EQ(reducer.takeCommunicationSeconds(), 0.0);
}

// Wraps the reducer and records how many buckets were in flight at each report.
class RecordingObserver final : public GradientReadyObserver {
 public:
  explicit RecordingObserver(GradientReducer& reducer) : reducer_(reducer) {}
  const ParameterArena& observedArena() const override { return reducer_.observedArena(); }
  void onParameterGradientReady(int index) override {
    reducer_.onParameterGradientReady(index);
    startedAt.emplace_back(index, reducer_.bucketsStarted());
  }
  std::vector<std::pair<int, std::size_t>> startedAt;  // (parameter reported, buckets started after it)

 private:
  GradientReducer& reducer_;
};

// Overlap: the head's bucket starts while the first layer's gradients are still being computed.
TEST(GradientReducer, StartsBucketsDuringBackward) {
  ParameterArena arena;
  MlpSpec spec;
  spec.inputs = 16;
  spec.widths = {32, 24};
  spec.classes = 4;
  spec.norm = MlpNorm::kNone;
  auto model = buildMlp(arena, spec);
  RngStream init(3, RngPurpose::kInit);
  arena.allocate(init);
  GradientReducer reducer(arena, comm(), 256);  // buckets: head, middle layer, first layer
  ASSERT_EQ(reducer.buckets().size(), 3u);
  std::vector<float> x(8 * 16);
  RngStream data(4 + static_cast<uint64_t>(comm().rank()), RngPurpose::kSynthetic);
  for (float& v : x) v = data.normal();
  Tape tape;
  Variable logits = model->forward(tape, Variable(Tensor::fromVector({8, 16}, x)), ForwardContext{NormMode::kTrain, 0, 0});
  const std::vector<int32_t> labels{0, 1, 2, 3, 0, 1, 2, 3};
  Variable loss = softmaxCrossEntropy(tape, logits, labels);
  RecordingObserver recorder(reducer);
  tape.backward(loss, &recorder);
  ASSERT_EQ(recorder.startedAt.size(), arena.params().size());
  // The last parameter (head bias) comes first; once the head is reported, bucket 0 is in flight,
  // long before parameter 0 (first layer weight) is final.
  EXPECT_EQ(recorder.startedAt.front().first, static_cast<int>(arena.params().size()) - 1);
  EXPECT_EQ(recorder.startedAt.back().first, 0);
  std::size_t startedBeforeFirstLayer = 0;
  for (const auto& [param, started] : recorder.startedAt)
    if (param == 1) startedBeforeFirstLayer = started;  // first layer's bias: its weight is still pending
  EXPECT_GE(startedBeforeFirstLayer, 1u);
  EXPECT_LT(startedBeforeFirstLayer, reducer.buckets().size());
  EXPECT_EQ(reducer.bucketsStarted(), reducer.buckets().size());
  reducer.finish();
  EXPECT_EQ(reducer.bucketsStarted(), 0u);
}

// Trains a BatchNorm-free MLP with the trainer and returns the final parameters.
std::vector<float> trainMlp(Communicator& c, double bucketMb) {
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
  spec.widths = {32, 24};
  spec.classes = 4;
  spec.norm = MlpNorm::kNone;
  auto model = buildMlp(*arena, spec);
  RngStream init(3, RngPurpose::kInit);
  arena->allocate(init);
  ClassificationWorkload workload(std::move(data), std::move(arena), std::move(model), 16, 3, 0.0f,
                                  ShardSpec{c.rank(), c.size()});
  RunConfig rc;
  rc.workload = "synthetic";
  rc.training.batchSize = 16;
  rc.training.maxSteps = 20;
  rc.training.evalEverySteps = 10;
  rc.optimizer.learningRate = 0.05;
  rc.schedule.totalSteps = 20;
  rc.target.value = 2.0;  // never reached
  rc.distributed.bucketMb = bucketMb;
  auto optimizer = makeOptimizer(rc.optimizer);
  auto schedule = makeSchedule(rc.schedule, rc.optimizer.learningRate);
  const TrialResult r = Trainer(rc, workload, *optimizer, *schedule, c).run(0.0);
  EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.statusMessage;
  EXPECT_GT(r.communicationSeconds, 0.0);
  EXPECT_LT(r.communicationSeconds, r.timedSeconds);
  return std::vector<float>(workload.arena().values(), workload.arena().values() + workload.arena().size());
}

TEST(DataParallel, BucketedReducerMatchesTheOneShotAllReduce) {
  setComputeThreads(1);
  BlockingOnly blocking;
  const std::vector<float> oneShot = trainMlp(blocking, 1024.0);     // one blocking MPI_Allreduce per step
  const std::vector<float> bucketed = trainMlp(comm(), 1.0 / 1024);  // 1 KiB buckets, started during backward
  ASSERT_EQ(oneShot.size(), bucketed.size());
  if (comm().size() == 2) {  // bit for bit (see EqualsOneShotAllReduceForEveryBucketSize)
    EXPECT_TRUE(bitwiseEqual(oneShot.data(), bucketed.data(), static_cast<int64_t>(oneShot.size())))
        << "parameters after 20 steps differ between the one-shot and the bucketed all-reduce";
  } else {
    for (std::size_t i = 0; i < oneShot.size(); ++i) ASSERT_NEAR(oneShot[i], bucketed[i], 1e-5f) << "parameter " << i;
  }
  EXPECT_TRUE(sameOnEveryRank(bucketed.data(), static_cast<int64_t>(bucketed.size())));
}

TEST(AllReduceBench, PrintsPlainBucketedAndRatioPerSize) {
  AllReduceBenchOptions o;
  o.maxBytes = 16 << 10;
  o.bucketBytes = 4096;
  o.parameterBytes = 1024;
  o.warmup = 1;
  o.iterations = 3;
  std::vector<AllReduceBenchLine> lines;
  runAllReduceBenchmark(comm(), o, [&](const AllReduceBenchLine& l) { lines.push_back(l); });
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[0].name, "allreduce_plain_1KiB");
  EXPECT_EQ(lines[1].name, "allreduce_bucketed_1KiB");
  EXPECT_EQ(lines[2].name, "allreduce_ratio_1KiB");
  EXPECT_EQ(lines[3].name, "allreduce_bucketed_avg_1KiB");
  EXPECT_EQ(lines[10].name, "allreduce_ratio_16KiB");
  for (const auto& l : lines) EXPECT_GT(l.value, 0.0) << l.name;
  EXPECT_EQ(byteSizeName(64 << 20), "64MiB");
  EXPECT_EQ(byteSizeName(1000), "1000B");
  EXPECT_DOUBLE_EQ(busBandwidthGBs(1000000000, 4, 1.0), 1.5);
  LocalCommunicator one;
  EXPECT_THROW(runAllReduceBenchmark(one, o, [](const AllReduceBenchLine&) {}), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
