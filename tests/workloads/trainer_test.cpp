// tests/workloads/trainer_test.cpp — the timing protocol and stop conditions on a
// small synthetic classification task: target reached, budgets, divergence,
// interruption, gaps, bit-identical curves for the same seed, and exact resume
// from a checkpoint (after a stop request or from a periodic checkpoint).
#include "workloads/trainer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "core/data/synthetic.h"
#include "core/rng.h"
#include "workloads/classification_workload.h"
#include "workloads/mlp_model.h"
#include "workloads/optimizer_factory.h"
#include "workloads/single_run.h"
#include "workloads/weight_distance.h"

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

std::unique_ptr<Workload> smallWorkload(const RunConfig& rc, MlpNorm norm = MlpNorm::kBatch, float dropout = 0.0f) {
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
  spec.dropout = dropout;
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

TEST(Trainer, EvalAtStartRecordsTheModelBeforeAnyUpdate) {
  RunConfig rc = smallConfig();
  rc.target.value = 1.1;
  rc.training.maxSteps = 20;
  rc.training.evalEverySteps = 10;
  rc.training.evalAtStart = true;
  const TrialResult r = train(rc);
  ASSERT_EQ(r.curve.size(), 3u);
  EXPECT_EQ(r.curve[0].step, 0);
  EXPECT_EQ(r.curve[0].timedSeconds, 0.0);
  EXPECT_EQ(r.curve[1].step, 10);
  EXPECT_GT(r.curve[0].validationLoss, r.curve[2].validationLoss);  // it learned from there
  rc.training.evalAtStart = false;
  EXPECT_EQ(train(rc).curve.front().step, 10);
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


// ---- Checkpoints and exact resume ------------------------------------------------------

namespace gaplab {
namespace {

// Requests a stop when step `stopAt` is done, as a signal handler would (the
// trainer sees the flag at the top of the next iteration).
class StopAtStep final : public ProgressSink {
 public:
  StopAtStep(int64_t stopAt, std::atomic<bool>& flag) : stopAt_(stopAt), flag_(flag) {}
  void onStart(const std::string&, const std::string&, const std::string&) override {}
  void onStep(const TrainingProgress& p) override {
    if (p.step == stopAt_) flag_.store(true);
  }
  void onEval(const TrainingProgress&, const EvalRecord&) override {}

 private:
  int64_t stopAt_;
  std::atomic<bool>& flag_;
};

struct ResumeCase {
  const char* name;
  MlpNorm norm;
  float dropout;
  const char* optimizer;
};

void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.name; }

class TrainerResume : public ::testing::TestWithParam<ResumeCase> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("gaplab_trainer_resume_" + std::to_string(getpid()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    rc_ = smallConfig();
    rc_.target.value = 1.1;  // never reached: the whole budget runs
    rc_.training.maxSteps = 100;
    rc_.schedule.totalSteps = 100;
    rc_.optimizer.name = GetParam().optimizer;
    rc_.optimizer.learningRate = std::string(GetParam().optimizer) == "adamw" ? 0.003 : 0.05;
    rc_.resolvedYaml = std::string("synthetic: 1\noptimizer: ") + GetParam().optimizer + "\n";
    plan_.path = (dir_ / "run.h5.ckpt").string();
    plan_.origin.resultsPath = (dir_ / "run.h5").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // One session of the trial with a fresh workload, optimizer and trainer (a new
  // process, as far as the trainer can tell); stops after step `stopAt` (0: never).
  TrialResult session(const CheckpointPlan& plan, int64_t stopAt = 0) {
    setComputeThreads(2);
    auto workload = smallWorkload(rc_, GetParam().norm, GetParam().dropout);
    if (GetParam().norm == MlpNorm::kBatch) EXPECT_FALSE(workload->arena().buffers().empty());
    auto optimizer = makeOptimizer(rc_.optimizer);
    auto schedule = makeSchedule(rc_.schedule, rc_.optimizer.learningRate);
    LocalCommunicator comm;
    std::atomic<bool> stop{false};
    StopAtStep sink(stopAt, stop);
    Trainer trainer(rc_, *workload, *optimizer, *schedule, comm, &sink);
    return trainer.run(0.25, &stop, &plan);
  }

  // Step, losses, metrics and learning rate of every evaluation: equal, not near.
  static void expectIdenticalCurves(const TrialResult& a, const TrialResult& b) {
    ASSERT_EQ(a.curve.size(), b.curve.size());
    for (std::size_t i = 0; i < a.curve.size(); ++i) {
      SCOPED_TRACE("evaluation " + std::to_string(i) + " at step " + std::to_string(a.curve[i].step));
      EXPECT_EQ(a.curve[i].step, b.curve[i].step);
      EXPECT_EQ(a.curve[i].epoch, b.curve[i].epoch);
      EXPECT_EQ(a.curve[i].trainLoss, b.curve[i].trainLoss);
      EXPECT_EQ(a.curve[i].evalTrainLoss, b.curve[i].evalTrainLoss);
      EXPECT_EQ(a.curve[i].evalTrainMetric, b.curve[i].evalTrainMetric);
      EXPECT_EQ(a.curve[i].validationLoss, b.curve[i].validationLoss);
      EXPECT_EQ(a.curve[i].validationMetric, b.curve[i].validationMetric);
      EXPECT_EQ(a.curve[i].learningRate, b.curve[i].learningRate);
      ASSERT_EQ(a.curve[i].extras.size(), b.curve[i].extras.size());
      for (std::size_t k = 0; k < a.curve[i].extras.size(); ++k) {
        EXPECT_EQ(a.curve[i].extras[k].name, b.curve[i].extras[k].name);
        EXPECT_EQ(a.curve[i].extras[k].value, b.curve[i].extras[k].value) << a.curve[i].extras[k].name;
      }
    }
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.steps, b.steps);
    EXPECT_EQ(a.epochs, b.epochs);
  }

  std::filesystem::path dir_;
  RunConfig rc_;
  CheckpointPlan plan_;
};

TEST_P(TrainerResume, StopRequestCheckpointsAndResumeIsBitIdentical) {
  const TrialResult full = session(CheckpointPlan{});
  ASSERT_EQ(full.status, TrialStatus::kMaxSteps) << full.statusMessage;
  ASSERT_EQ(full.curve.size(), 5u);
  // Stop between evaluations (37) and right after one (40: its evaluation is in the checkpoint).
  for (const int64_t k : {37, 40}) {
    SCOPED_TRACE("stopped after step " + std::to_string(k));
    std::filesystem::remove(plan_.path);
    const TrialResult first = session(plan_, k);
    ASSERT_EQ(first.status, TrialStatus::kInterrupted) << first.statusMessage;
    EXPECT_EQ(first.steps, k);
    EXPECT_NE(first.statusMessage.find("checkpoint " + plan_.path), std::string::npos) << first.statusMessage;
    ASSERT_EQ(TrialCheckpoint::peek(plan_.path).step, k);

    CheckpointPlan resume = plan_;
    resume.resume = true;
    const TrialResult resumed = session(resume);
    expectIdenticalCurves(full, resumed);
    EXPECT_NE(resumed.statusMessage.find("(resumed 1 time)"), std::string::npos) << resumed.statusMessage;
    EXPECT_EQ(resumed.setupSeconds, 0.25);
    EXPECT_GT(resumed.timedSeconds, first.timedSeconds);  // timers continue from the checkpoint
  }
}

TEST_P(TrainerResume, ResumingTwiceIsStillBitIdentical) {
  const TrialResult full = session(CheckpointPlan{});
  ASSERT_EQ(session(plan_, 13).status, TrialStatus::kInterrupted);
  CheckpointPlan resume = plan_;
  resume.resume = true;
  const TrialResult second = session(resume, 71);
  ASSERT_EQ(second.status, TrialStatus::kInterrupted) << second.statusMessage;
  ASSERT_EQ(TrialCheckpoint::peek(plan_.path).step, 71);
  const TrialResult third = session(resume);
  expectIdenticalCurves(full, third);
  EXPECT_NE(third.statusMessage.find("(resumed 2 times)"), std::string::npos) << third.statusMessage;
}

TEST_P(TrainerResume, KilledRunResumesFromTheLastPeriodicCheckpoint) {
  const TrialResult full = session(CheckpointPlan{});
  // Like kill -9 after step 61: no checkpoint on the way out, only the periodic one of step 50.
  CheckpointPlan periodic = plan_;
  periodic.everySteps = 25;
  periodic.onInterrupt = false;
  const TrialResult killed = session(periodic, 61);
  ASSERT_EQ(killed.status, TrialStatus::kInterrupted);
  EXPECT_EQ(killed.steps, 61);
  ASSERT_EQ(TrialCheckpoint::peek(plan_.path).step, 50);

  periodic.resume = true;
  const TrialResult resumed = session(periodic);
  expectIdenticalCurves(full, resumed);
  // Steps 51..61 were redone; what the killed session computed agrees up to its stop.
  for (std::size_t i = 0; i < killed.curve.size(); ++i) EXPECT_EQ(killed.curve[i].trainLoss, full.curve[i].trainLoss);
}

TEST_P(TrainerResume, ACheckpointOfAnotherConfigIsRefused) {
  ASSERT_EQ(session(plan_, 10).status, TrialStatus::kInterrupted);
  rc_.resolvedYaml += "seed: 99\n";
  CheckpointPlan resume = plan_;
  resume.resume = true;
  try {
    session(resume);
    ADD_FAILURE() << "resumed a checkpoint of another config";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("another config"), std::string::npos) << e.what();
  }
}

// training.track_weight_distance: every evaluation carries ||w_t - w_0||, and a
// run stopped and resumed measures from the same w_0 (the checkpoint holds it).
TEST_P(TrainerResume, WeightDistanceIsRecordedAndResumesExactly) {
  rc_.training.weightDistance = WeightDistanceTracking::kOn;
  rc_.resolvedYaml += "training: {track_weight_distance: true}\n";
  const TrialResult full = session(CheckpointPlan{});
  ASSERT_EQ(full.curve.size(), 5u);
  for (const EvalRecord& r : full.curve) {
    ASSERT_EQ(r.extras.size(), 1u);
    EXPECT_EQ(r.extras[0].name, kWeightDistanceMetric);
    EXPECT_GT(r.extras[0].value, 0.0) << "step " << r.step;
    EXPECT_TRUE(std::isfinite(r.extras[0].value));
  }

  ASSERT_EQ(session(plan_, 33).status, TrialStatus::kInterrupted);
  CheckpointPlan resume = plan_;
  resume.resume = true;
  const TrialResult resumed = session(resume);
  expectIdenticalCurves(full, resumed);  // extras (the distances) included, bit for bit

  // Off (the default): no extra metric, no w_0 in the checkpoint.
  rc_.training.weightDistance = WeightDistanceTracking::kOff;
  rc_.resolvedYaml += "off: 1\n";
  std::filesystem::remove(plan_.path);
  ASSERT_EQ(session(plan_, 33).status, TrialStatus::kInterrupted);
  auto arena = smallWorkload(rc_, GetParam().norm, GetParam().dropout);
  const CheckpointIdentity id{trialIdOf(rc_.resolvedYaml), rc_.resolvedYaml, 1};
  EXPECT_TRUE(TrialCheckpoint::load(plan_.path, id, 0, arena->arena()).initialValues.empty());
  for (const EvalRecord& r : session(CheckpointPlan{}).curve) EXPECT_TRUE(r.extras.empty());
}

INSTANTIATE_TEST_SUITE_P(Models, TrainerResume,
                         ::testing::Values(ResumeCase{"BatchNormMomentum", MlpNorm::kBatch, 0.0f, "momentum"},
                                           ResumeCase{"BatchNormDropoutAdamW", MlpNorm::kBatch, 0.3f, "adamw"},
                                           ResumeCase{"LayerNormDropoutNadamW", MlpNorm::kLayer, 0.2f, "nadamw"}),
                         [](const ::testing::TestParamInfo<ResumeCase>& info) { return info.param.name; });

}  // namespace
}  // namespace gaplab
