// workloads/classification_workload.h — image classification with cross-entropy
// and accuracy: the shape of fmnist_mlp and fmnist_cnn.
//
// Why: both Fashion-MNIST workloads differ only in their model; data loading,
// the eval-train subset, metrics and the timed step are the same code.
#pragma once

#include <memory>

#include "core/data/batch_loader.h"
#include "core/data/dataset.h"
#include "core/nn/module.h"
#include "workloads/workload.h"

namespace gaplab {

struct ClassificationData {
  ClassificationDataset train;       // the full training set
  ClassificationDataset evalTrain;   // a fixed random subset of `train`, for the gap
  ClassificationDataset validation;  // held out (Fashion-MNIST: the 10k test images)
};

class ClassificationWorkload final : public Workload {
 public:
  // `arena` must already hold the model's parameters, allocated.
  ClassificationWorkload(ClassificationData data, std::unique_ptr<ParameterArena> arena,
                         std::unique_ptr<Module> model, int64_t batchSize, uint64_t seed, float labelSmoothing,
                         ShardSpec shard = {});

  ParameterArena& arena() override { return *arena_; }
  std::string describeModel() const override { return model_->describe(); }
  std::string describeData() const override;
  std::string metricName() const override { return "accuracy"; }
  TargetDirection metricDirection() const override { return TargetDirection::kAtLeast; }
  Variable trainForward(Tape& tape, int64_t step) override;
  EvalResult evaluate(EvalSplit split) override;
  double epochsDone() const override { return loader_.epochProgress(); }
  int64_t examplesPerStep() const override { return loader_.globalBatchSize(); }
  void seekTrainingData(int64_t step) override;
  void useDevice(Device device) override;
  std::string graphCaptureBlocker() const override;
  void stageBatch(int64_t step) override;
  Variable forwardStaged(Tape& tape, int64_t step) override;

 private:
  static constexpr int64_t kEvalBatch = 256;  // bounds im2col memory in convnets
  ClassificationData data_;
  std::unique_ptr<ParameterArena> arena_;
  std::unique_ptr<Module> model_;
  BatchLoader loader_;
  uint64_t seed_;
  float labelSmoothing_;
  Device device_ = Device::kCpu;  // where the model lives; batches are copied there
  // The staged batch (CUDA graphs): inputs and int32 labels on the device,
  // allocated at the first stageBatch and refilled in place every step.
  Tensor stagedInputs_;
  std::shared_ptr<void> stagedLabels_;
  int64_t stagedRows_ = 0;
};

}  // namespace gaplab
