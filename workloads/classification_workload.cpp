// workloads/classification_workload.cpp — see classification_workload.h.
#include "workloads/classification_workload.h"

#include "core/device_memory.h"
#include "core/ops/cross_entropy.h"

namespace gaplab {

ClassificationWorkload::ClassificationWorkload(ClassificationData data, std::unique_ptr<ParameterArena> arena,
                                               std::unique_ptr<Module> model, int64_t batchSize, uint64_t seed,
                                               float labelSmoothing, ShardSpec shard)
    : data_(std::move(data)),
      arena_(std::move(arena)),
      model_(std::move(model)),
      loader_(data_.train, batchSize, seed, ShuffleMode::kShuffle, DropLast::kYes, shard),
      seed_(seed),
      labelSmoothing_(labelSmoothing) {}

std::string ClassificationWorkload::describeData() const {
  return data_.train.name + ": " + std::to_string(data_.train.size()) + " training examples (eval-train subset " +
         std::to_string(data_.evalTrain.size()) + "), " + std::to_string(data_.validation.size()) + " validation";
}

Variable ClassificationWorkload::trainForward(Tape& tape, int64_t step) {
  Batch batch = loader_.nextTrainingBatch();
  Variable x(device_ == Device::kCpu ? batch.inputs : batch.inputs.to(device_), RequiresGrad::kNo);
  Variable logits = model_->forward(tape, x, ForwardContext{NormMode::kTrain, seed_, step});
  return softmaxCrossEntropy(tape, logits, batch.labels, labelSmoothing_);
}

void ClassificationWorkload::useDevice(Device device) {
  arena_->moveTo(device);
  device_ = device;
}

std::string ClassificationWorkload::graphCaptureBlocker() const {
  return device_ == Device::kCuda ? std::string() : "CUDA graphs need device: cuda";
}

void ClassificationWorkload::stageBatch(int64_t step) {
  (void)step;  // the loader's position is the step (seekTrainingData)
  if (!graphCaptureBlocker().empty()) throw std::logic_error("stageBatch: " + graphCaptureBlocker());
  Batch batch = loader_.nextTrainingBatch();
  const int64_t rows = static_cast<int64_t>(batch.labels.size());
  if (!stagedInputs_.defined()) {
    stagedInputs_ = Tensor::empty(batch.inputs.shape(), device_);
    stagedLabels_ = allocateDeviceBytes(static_cast<std::size_t>(rows) * sizeof(int32_t));
    stagedRows_ = rows;
  }
  if (batch.inputs.shape() != stagedInputs_.shape() || rows != stagedRows_)
    throw std::logic_error("stageBatch: training batches changed shape (" + shapeToString(batch.inputs.shape()) +
                           " after " + shapeToString(stagedInputs_.shape()) + ")");
  stagedInputs_.copyFrom(batch.inputs);
  copyHostToDevice(stagedLabels_.get(), batch.labels.data(), static_cast<std::size_t>(rows) * sizeof(int32_t));
}

Variable ClassificationWorkload::forwardStaged(Tape& tape, int64_t step) {
  Variable x(stagedInputs_, RequiresGrad::kNo);
  Variable logits = model_->forward(tape, x, ForwardContext{NormMode::kTrain, seed_, step});
  return softmaxCrossEntropy(tape, logits, static_cast<const int32_t*>(stagedLabels_.get()), stagedRows_,
                             labelSmoothing_);
}

void ClassificationWorkload::seekTrainingData(int64_t step) {
  // One global batch per step, epochs of batchesPerEpoch() batches (training drops the last partial batch).
  const int64_t perEpoch = loader_.batchesPerEpoch();
  loader_.seek(step / perEpoch, step % perEpoch);
}

EvalResult ClassificationWorkload::evaluate(EvalSplit split) {
  const ClassificationDataset& ds = split == EvalSplit::kEvalTrain ? data_.evalTrain : data_.validation;
  BatchLoader loader(ds, std::min<int64_t>(kEvalBatch, ds.size()), seed_, ShuffleMode::kSequential, DropLast::kNo);
  CrossEntropyStats stats;
  Tape tape(TapeMode::kInference);
  loader.forEachBatch([&](const Batch& batch) {
    Variable x(device_ == Device::kCpu ? batch.inputs : batch.inputs.to(device_), RequiresGrad::kNo);
    Variable logits = model_->forward(tape, x, ForwardContext{NormMode::kEval, seed_, 0});
    softmaxCrossEntropy(tape, logits, batch.labels, 0.0f, &stats);
  });
  EvalResult r;
  r.examples = stats.rows;
  r.loss = stats.rows ? stats.lossSum / static_cast<double>(stats.rows) : 0.0;
  r.metric = stats.rows ? static_cast<double>(stats.correct) / static_cast<double>(stats.rows) : 0.0;
  return r;
}

}  // namespace gaplab
