// workloads/mlp_model.h — the configurable multilayer perceptron of fmnist_mlp and
// of the reference benchmark (784-1024-1024-10, BatchNorm + ReLU by default).
#pragma once

#include <memory>
#include <vector>

#include "core/nn/activation_layer.h"
#include "core/nn/sequential.h"
#include "core/rank_sum.h"

namespace gaplab {

enum class MlpNorm { kNone, kBatch, kGhostBatch, kLayer };

struct MlpSpec {
  int64_t inputs = 784;
  std::vector<int64_t> widths{1024, 1024};
  int64_t classes = 10;
  Activation activation = Activation::kRelu;
  MlpNorm norm = MlpNorm::kBatch;
  int64_t ghostSize = 0;  // kGhostBatch only
  float bnMomentum = 0.1f;
  float dropout = 0.0f;
  RankSum* syncBatchNorm = nullptr;  // kBatch: statistics over all ranks (not owned)
};

// Declares the parameters in `arena` (not yet allocated) and returns the model.
// Input [N, ...] is flattened to [N, inputs].
std::unique_ptr<Sequential> buildMlp(ParameterArena& arena, const MlpSpec& spec);

}  // namespace gaplab
