// workloads/lm_workload.h — byte-level language modelling with a GPT (dense or MoE).
//
// Why: the lm and moe_lm workloads (and the continual pre-training and scaling
// studies after them) share one training/evaluation path: windows of bytes from
// a weighted mixture of corpora, cross-entropy (+ the MoE auxiliary losses), and
// evaluation in bits per byte with next-byte accuracy, MoE load statistics and,
// for synthetic tasks, exact-match accuracy of greedy generations.
#pragma once

#include <memory>
#include <vector>

#include "core/config/config_node.h"
#include "core/data/lm_batch_loader.h"
#include "core/data/synthetic_text_tasks.h"
#include "core/ops/cross_entropy.h"
#include "core/ops/moe.h"
#include "workloads/gpt_model.h"
#include "workloads/workload.h"

namespace gaplab {

// The `model:` section of an lm / moe_lm config as a GptSpec (the MoE keys are
// read only when moe_every > 0). Throws ConfigError naming the key. The
// workloads build their model from it; analyses (sweeps/lm_trial_config.h)
// read a recorded trial's model from it, so both agree on every default.
GptSpec readGptSpec(ConfigSection model);

struct LmData {
  std::vector<LmSource> trainSources;         // the training mixture
  std::shared_ptr<const std::vector<uint8_t>> evalTrainTokens;  // windows of training text (the eval-train subset)
  std::shared_ptr<const std::vector<uint8_t>> validationTokens;
  std::vector<SyntheticExample> exactMatchExamples;  // empty unless a synthetic task is trained
  // data.monitor: (corpus name, validation text) evaluated on their own at every
  // evaluation, reported as validation/<name>/bits_per_byte and .../next_byte_accuracy.
  std::vector<std::pair<std::string, std::shared_ptr<const std::vector<uint8_t>>>> monitors;
  int64_t sequenceLength = 0;                 // bytes per training/eval window, <= model context
  int64_t evalWindows = 64;                   // windows of sequenceLength bytes per evaluated split
  double unigramEntropyBits = 0.0;            // of the validation text, printed beside the target
  int64_t tokenBudget = 0;                    // 0: unlimited
  std::string subsetNote;                     // data.subset_*: which records were kept ("" without a subset)
};

class LmWorkload final : public Workload {
 public:
  LmWorkload(LmData data, std::unique_ptr<ParameterArena> arena, const GptSpec& spec, int64_t batchSize,
             uint64_t seed, float labelSmoothing, ShardSpec shard);

  ParameterArena& arena() override { return *arena_; }
  std::string describeModel() const override { return model_->describe(); }
  std::string describeData() const override;
  std::string metricName() const override { return "bits_per_byte"; }
  TargetDirection metricDirection() const override { return TargetDirection::kAtMost; }
  Variable trainForward(Tape& tape, int64_t step) override;
  EvalResult evaluate(EvalSplit split) override;
  double epochsDone() const override;
  int64_t examplesPerStep() const override { return loader_.tokensPerStep(); }
  int64_t stepBudget() const override { return data_.tokenBudget > 0 ? loader_.maxSteps() : 0; }
  void seekTrainingData(int64_t step) override { loader_.seek(step); }
  // The model follows its arena: the loader's token ids are uploaded by the
  // model's forward (or staged, below) and the embeddings gather on the GPU.
  void useDevice(Device device) override { arena_->moveTo(device); }
  // CUDA graphs (workload.h): the dense model without dropout on cuda stages
  // its batch (inputs and targets in device int32 buffers owned here) and runs
  // on device token ids; MoE (routing read back) and dropout (mask drawn on
  // the host) refuse, naming why.
  std::string graphCaptureBlocker() const override;
  void stageBatch(int64_t step) override;
  Variable forwardStaged(Tape& tape, int64_t step) override;
  double unigramEntropyBits() const { return data_.unigramEntropyBits; }

  // Greedy continuation of `prompt` by up to `maxNewBytes` bytes (inference mode).
  std::string generate(const std::string& prompt, int64_t maxNewBytes);
  const GptModel& model() const { return *model_; }

 private:
  // Cross-entropy (and MoE statistics) of the model over eval windows of `tokens`.
  struct TextScore {
    CrossEntropyStats ce;
    MoeStats moe;
    int64_t batches = 0;
  };
  TextScore score(const std::vector<uint8_t>& tokens);

  LmData data_;
  std::unique_ptr<ParameterArena> arena_;
  std::unique_ptr<GptModel> model_;
  LmBatchLoader loader_;
  uint64_t seed_;
  float labelSmoothing_;
  int64_t trainTokens_ = 0;
  // The staged batch (CUDA graphs): [B, T] inputs and targets as device int32,
  // allocated on first use; every later batch must have the same shape.
  std::shared_ptr<void> stagedInputs_, stagedTargets_;
  int64_t stagedBatch_ = 0, stagedLength_ = 0;
};

}  // namespace gaplab
