// tests/workloads/classification_workload_test.cpp — ClassificationWorkload on synthetic data: train step, evaluation.
#include "workloads/classification_workload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "core/data/synthetic.h"
#include "core/optim/sgd.h"
#include "core/rng.h"
#include "workloads/mlp_model.h"

namespace gaplab {
namespace {

constexpr int64_t kTrain = 400, kValidation = 300, kEvalTrain = 50, kBatch = 16;

struct Built {
  std::unique_ptr<ClassificationWorkload> workload;
  std::string description;
};

Built makeWorkload(uint64_t seed = 5) {
  ClassificationDataset all = makeSyntheticClassification(kTrain + kValidation, {6}, 3, 17);
  std::vector<int64_t> trainIdx, valIdx;
  for (int64_t i = 0; i < all.size(); ++i) (i < kTrain ? trainIdx : valIdx).push_back(i);
  ClassificationData data;
  data.train = subset(all, trainIdx);
  data.validation = subset(all, valIdx);
  data.evalTrain = makeTrainEvalSplit(data.train, kEvalTrain, seed).evalTrain;
  auto arena = std::make_unique<ParameterArena>();
  MlpSpec spec;
  spec.inputs = 6;
  spec.widths = {16};
  spec.classes = 3;
  auto model = buildMlp(*arena, spec);
  const std::string description = model->describe();
  RngStream init(seed, RngPurpose::kInit);
  arena->allocate(init);
  return {std::make_unique<ClassificationWorkload>(std::move(data), std::move(arena), std::move(model), kBatch, seed,
                                                   0.0f),
          description};
}

TEST(ClassificationWorkload, EvaluateCoversTheWholeSplit) {
  Built b = makeWorkload();
  // 300 validation examples take two eval batches (256 + 44).
  const EvalResult validation = b.workload->evaluate(EvalSplit::kValidation);
  EXPECT_EQ(validation.examples, kValidation);
  EXPECT_GE(validation.metric, 0.0);
  EXPECT_LE(validation.metric, 1.0);
  EXPECT_GT(validation.loss, 0.0);
  EXPECT_TRUE(std::isfinite(validation.loss));
  const EvalResult evalTrain = b.workload->evaluate(EvalSplit::kEvalTrain);
  EXPECT_EQ(evalTrain.examples, kEvalTrain);
  EXPECT_GE(evalTrain.metric, 0.0);
  EXPECT_LE(evalTrain.metric, 1.0);
  EXPECT_GT(evalTrain.loss, 0.0);
}

TEST(ClassificationWorkload, EvaluateIsRepeatableAndLeavesTheModelAlone) {
  Built b = makeWorkload();
  ParameterArena& arena = b.workload->arena();
  const std::vector<float> values(arena.values(), arena.values() + arena.size());
  const std::vector<float> buffers(arena.bufferStorage().begin(), arena.bufferStorage().end());
  const EvalResult first = b.workload->evaluate(EvalSplit::kValidation);
  const EvalResult second = b.workload->evaluate(EvalSplit::kValidation);
  EXPECT_EQ(first.loss, second.loss);
  EXPECT_EQ(first.metric, second.metric);
  EXPECT_EQ(std::vector<float>(arena.values(), arena.values() + arena.size()), values);
  EXPECT_EQ(std::vector<float>(arena.bufferStorage().begin(), arena.bufferStorage().end()), buffers);
  for (int64_t i = 0; i < arena.size(); ++i) ASSERT_EQ(arena.grads()[i], 0.0f);
}

TEST(ClassificationWorkload, TrainForwardReturnsAScalarLossAndRecordsTheStep) {
  Built b = makeWorkload();
  EXPECT_EQ(b.workload->examplesPerStep(), kBatch);
  EXPECT_DOUBLE_EQ(b.workload->epochsDone(), 0.0);
  Tape tape;
  Variable loss = b.workload->trainForward(tape, 0);
  ASSERT_EQ(loss.value().numel(), 1);
  EXPECT_GT(loss.value().item(), 0.0f);
  EXPECT_TRUE(std::isfinite(loss.value().item()));
  EXPECT_GT(tape.size(), 0u);
  EXPECT_DOUBLE_EQ(b.workload->epochsDone(), 1.0 / (kTrain / kBatch));
  tape.backward(loss);
  ParameterArena& arena = b.workload->arena();
  double gradNorm = 0.0;
  for (int64_t i = 0; i < arena.size(); ++i) gradNorm += static_cast<double>(arena.grads()[i]) * arena.grads()[i];
  EXPECT_GT(gradNorm, 0.0);
}

TEST(ClassificationWorkload, DescribeModelIsTheModelsDescription) {
  Built b = makeWorkload();
  EXPECT_EQ(b.workload->describeModel(), b.description);
  EXPECT_EQ(b.workload->describeModel().rfind("Flatten -> Linear(6->16)", 0), 0u);
}

TEST(ClassificationWorkload, SameSeedGivesTheSameLosses) {
  Built a = makeWorkload(), c = makeWorkload();
  for (int64_t step = 0; step < 3; ++step) {
    Tape ta, tc;
    EXPECT_EQ(a.workload->trainForward(ta, step).value().item(), c.workload->trainForward(tc, step).value().item());
  }
}

TEST(ClassificationWorkload, TrainingLowersTheValidationLoss) {
  Built b = makeWorkload();
  const EvalResult before = b.workload->evaluate(EvalSplit::kValidation);
  SgdOptions options;
  options.momentum = Momentum::kHeavyBall;
  Sgd sgd(options);
  for (int64_t step = 0; step < 60; ++step) {
    b.workload->arena().zeroGrad();
    Tape tape;
    Variable loss = b.workload->trainForward(tape, step);
    tape.backward(loss);
    sgd.step(b.workload->arena(), 0.05f);
  }
  const EvalResult after = b.workload->evaluate(EvalSplit::kValidation);
  EXPECT_LT(after.loss, before.loss);
  EXPECT_GT(after.metric, 0.6);  // three well-separated classes; chance is 1/3
}

}  // namespace
}  // namespace gaplab
