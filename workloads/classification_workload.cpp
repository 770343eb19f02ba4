// workloads/classification_workload.cpp — see classification_workload.h.
#include "workloads/classification_workload.h"

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
