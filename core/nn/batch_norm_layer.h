// core/nn/batch_norm_layer.h — BatchNorm / Ghost BatchNorm / synchronised BatchNorm
// with running statistics kept in the arena's buffers (so checkpoints carry them).
// With `syncAcross` set, training-mode statistics cover the global batch of all ranks.
#pragma once

#include "core/nn/module.h"
#include "core/ops/batch_norm.h"
#include "core/ops/sync_batch_norm.h"

namespace gaplab {

class BatchNormLayer final : public Module {
 public:
  BatchNormLayer(ParameterArena& arena, const std::string& name, int64_t channels, BatchNormOptions options,
                 RankSum* syncAcross = nullptr)
      : channels_(channels), options_(options), syncAcross_(syncAcross) {
    gamma_ = arena.addParameter(name + ".weight", {channels}, Init::ones(), WeightDecay::kSkip);
    beta_ = arena.addParameter(name + ".bias", {channels}, Init::zeros(), WeightDecay::kSkip);
    runningMean_ = arena.addBuffer(name + ".running_mean", {channels}, 0.0f);
    runningVar_ = arena.addBuffer(name + ".running_var", {channels}, 1.0f);
  }
  Variable forward(Tape& tape, const Variable& x, const ForwardContext& context) override {
    if (syncAcross_ && syncAcross_->ranks() > 1)
      return syncBatchNorm(tape, x, gamma_, beta_, runningMean_, runningVar_, options_, context.mode, *syncAcross_);
    return batchNorm(tape, x, gamma_, beta_, runningMean_, runningVar_, options_, context.mode);
  }
  std::string describe() const override {
    std::string s = options_.ghostSize > 0 ? "GhostBatchNorm(" + std::to_string(channels_) +
                                                 ", ghost=" + std::to_string(options_.ghostSize) + ")"
                                           : (syncAcross_ ? "SyncBatchNorm(" : "BatchNorm(") + std::to_string(channels_) + ")";
    return options_.activation == FusedActivation::kRelu ? s + "+ReLU" : s;
  }

 private:
  int64_t channels_;
  BatchNormOptions options_;
  RankSum* syncAcross_;  // not owned; the communicator outlives the model
  ParamView gamma_, beta_;
  BufferView runningMean_, runningVar_;
};

}  // namespace gaplab
