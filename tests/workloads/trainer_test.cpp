// tests/workloads/trainer_test.cpp — the timing protocol and stop conditions on a
// small synthetic classification task: target reached, budgets, divergence,
// interruption, gaps, and bit-identical curves for the same seed.
#include "workloads/trainer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/data/synthetic.h"
#include "core/rng.h"
#include "workloads/classification_workload.h"
#include "workloads/mlp_model.h"
#include "workloads/optimizer_factory.h"
#include "workloads/single_run.h"

namespace gaplab {
namespace {

RunConfig smallConfig() {
  RunConfig rc;
  rc.workload = "synthetic_mlp";
  rc.seed = 3;
  rc.training.batchSize = 32;
  rc.training.maxSteps = 200;
  rc.training.maxRuntimeS = 60;
  rc.training.evalEverySteps = 20;
  rc.optimizer.name = "momentum";
  rc.optimizer.learningRate = 0.05;
  rc.schedule.totalSteps = 200;
  rc.target.value = 0.9;
  rc.resolvedYaml = "synthetic: 1\n";
  return rc;
}

std::unique_ptr<Workload> smallWorkload(const RunConfig& rc, MlpNorm norm = MlpNorm::kBatch) {
  ClassificationData data;
  ClassificationDataset all = makeSyntheticClassification(1200, {16}, 4, 11);
  std::vector<int64_t> trainIdx, valIdx;
  for (int64_t i = 0; i < all.size(); ++i) (i < 1000 ? trainIdx : valIdx).push_back(i);
  data.train = subset(all, trainIdx);
  data.validation = subset(all, valIdx);
  data.evalTrain = makeTrainEvalSplit(data.train, 200, rc.seed).evalTrain;
  auto arena = std::make_unique<ParameterArena>();
  MlpSpec spec;
  spec.inputs = 16;
  spec.widths = {32};
  spec.classes = 4;
  spec.norm = norm;
  auto model = buildMlp(*arena, spec);
  RngStream init(rc.seed, RngPurpose::kInit);
  arena->allocate(init);
  return std::make_unique<ClassificationWorkload>(std::move(data), std::move(arena), std::move(model),
                                                  rc.training.batchSize, rc.seed, 0.0f);
}

TrialResult train(const RunConfig& rc, const std::atomic<bool>* stop = nullptr, MlpNorm norm = MlpNorm::kBatch) {
  setComputeThreads(2);
  auto workload = smallWorkload(rc, norm);
  auto optimizer = makeOptimizer(rc.optimizer);
  auto schedule = makeSchedule(rc.schedule, rc.optimizer.learningRate);
  LocalCommunicator comm;
  Trainer trainer(rc, *workload, *optimizer, *schedule, comm);
  return trainer.run(0.5, stop);
}

TEST(Trainer, ReachesTargetAndRecordsTimeToResultAtThatEvaluation) {
  const TrialResult r = train(smallConfig());
  ASSERT_EQ(r.status, TrialStatus::kReachedTarget) << r.statusMessage;
  ASSERT_FALSE(r.curve.empty());
  const EvalRecord& last = r.curve.back();
  EXPECT_GE(last.validationMetric, 0.9);
  EXPECT_EQ(r.stepsToResult, last.step);
  EXPECT_DOUBLE_EQ(r.timeToResultSeconds, last.timedSeconds);
  EXPECT_EQ(last.step % 20, 0);
  for (std::size_t i = 0; i + 1 < r.curve.size(); ++i) EXPECT_LT(r.curve[i].validationMetric, 0.9);
  EXPECT_DOUBLE_EQ(r.setupSeconds, 0.5);
  EXPECT_GT(r.evalSeconds, 0.0);
  EXPECT_GT(r.wallSeconds, r.timedSeconds);
  EXPECT_DOUBLE_EQ(last.metricGap(), last.evalTrainMetric - last.validationMetric);
  EXPECT_DOUBLE_EQ(last.lossGap(), last.validationLoss - last.evalTrainLoss);
}

TEST(Trainer, SameSeedGivesBitIdenticalCurves) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;  // never reached: run the whole budget
  rc.training.maxSteps = 60;
  const TrialResult a = train(rc), b = train(rc);
  ASSERT_EQ(a.curve.size(), b.curve.size());
  for (std::size_t i = 0; i < a.curve.size(); ++i) {
    EXPECT_EQ(a.curve[i].trainLoss, b.curve[i].trainLoss);
    EXPECT_EQ(a.curve[i].validationLoss, b.curve[i].validationLoss);
    EXPECT_EQ(a.curve[i].evalTrainLoss, b.curve[i].evalTrainLoss);
  }
  rc.seed = 4;
  const TrialResult c = train(rc);
  EXPECT_NE(a.curve.back().trainLoss, c.curve.back().trainLoss);
}

TEST(Trainer, StepBudgetWithoutTargetIsInfiniteTimeToResult) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;
  rc.training.maxSteps = 30;
  const TrialResult r = train(rc);
  EXPECT_EQ(r.status, TrialStatus::kMaxSteps);
  EXPECT_TRUE(std::isinf(r.timeToResultSeconds));
  EXPECT_EQ(r.stepsToResult, -1);
  EXPECT_EQ(r.steps, 30);
  EXPECT_EQ(r.curve.back().step, 30);  // a final evaluation at the budget
}

TEST(Trainer, RuntimeBudgetStopsTraining) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;
  rc.training.maxSteps = 1000000;
  rc.training.maxRuntimeS = 0.05;
  const TrialResult r = train(rc);
  EXPECT_EQ(r.status, TrialStatus::kMaxRuntime);
  EXPECT_GE(r.timedSeconds, 0.05);
}

TEST(Trainer, DivergenceIsAStatusWithTheReason) {
  RunConfig rc = smallConfig();
  rc.optimizer.learningRate = 1e30;
  rc.target.value = 1.1;
  // Without normalisation nothing rescales the exploding weights: the logits overflow.
  const TrialResult r = train(rc, nullptr, MlpNorm::kNone);
  EXPECT_EQ(r.status, TrialStatus::kDiverged);
  EXPECT_NE(r.statusMessage.find("loss became"), std::string::npos) << r.statusMessage;
  EXPECT_TRUE(std::isinf(r.timeToResultSeconds));
}

TEST(Trainer, StopRequestEndsTheRunAsInterrupted) {
  std::atomic<bool> stop{true};
  const TrialResult r = train(smallConfig(), &stop);
  EXPECT_EQ(r.status, TrialStatus::kInterrupted);
  EXPECT_EQ(r.steps, 0);
}

TEST(Trainer, EvaluateEverySecondsOfTimedTime) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;
  rc.training.evalEverySteps = 0;
  rc.training.evalEverySeconds = 1e-9;  // every step
  rc.training.maxSteps = 5;
  const TrialResult r = train(rc);
  EXPECT_EQ(r.curve.size(), 5u);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

// A workload whose data source breaks after a few steps (e.g. a file vanishing mid-run).
class FailingWorkload final : public Workload {
 public:
  explicit FailingWorkload(std::unique_ptr<Workload> inner) : inner_(std::move(inner)) {}
  ParameterArena& arena() override { return inner_->arena(); }
  std::string describeModel() const override { return inner_->describeModel(); }
  std::string describeData() const override { return inner_->describeData(); }
  std::string metricName() const override { return inner_->metricName(); }
  TargetDirection metricDirection() const override { return inner_->metricDirection(); }
  Variable trainForward(Tape& tape, int64_t step) override {
    if (step == 25) throw std::runtime_error("data file vanished");
    return inner_->trainForward(tape, step);
  }
  EvalResult evaluate(EvalSplit split) override { return inner_->evaluate(split); }
  double epochsDone() const override { return inner_->epochsDone(); }
  int64_t examplesPerStep() const override { return inner_->examplesPerStep(); }
  void seekTrainingData(int64_t step) override { inner_->seekTrainingData(step); }

 private:
  std::unique_ptr<Workload> inner_;
};

TEST(Trainer, AnExceptionDuringTrainingIsAFailedTrialThatKeepsItsCurve) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;
  FailingWorkload workload(smallWorkload(rc));
  auto optimizer = makeOptimizer(rc.optimizer);
  auto schedule = makeSchedule(rc.schedule, rc.optimizer.learningRate);
  LocalCommunicator comm;
  const TrialResult r = Trainer(rc, workload, *optimizer, *schedule, comm).run(0.0);
  EXPECT_EQ(r.status, TrialStatus::kFailed);
  EXPECT_NE(r.statusMessage.find("failed at step 25: data file vanished"), std::string::npos) << r.statusMessage;
  EXPECT_EQ(r.steps, 25);
  EXPECT_EQ(r.curve.size(), 1u);  // the evaluation at step 20 is kept
  EXPECT_TRUE(std::isinf(r.timeToResultSeconds));
}

TEST(Trainer, ATargetMetAfterTheTimeBudgetDoesNotCount) {
  RunConfig rc = smallConfig();
  rc.target.value = 0.0;            // met by any evaluation...
  rc.training.evalEverySteps = 1000000;
  rc.training.maxRuntimeS = 1e-9;   // ...but the only one comes when the time budget is spent
  const TrialResult r = train(rc);
  EXPECT_EQ(r.status, TrialStatus::kMaxRuntime);
  EXPECT_TRUE(std::isinf(r.timeToResultSeconds));
}

}  // namespace
}  // namespace gaplab

