// workloads/cnn_model.h — the small convnet of fmnist_cnn: blocks of
// conv3x3 -> BatchNorm+ReLU -> maxpool2, then a hidden linear layer and the head.
#pragma once

#include <memory>
#include <vector>

#include "core/nn/sequential.h"
#include "core/rank_sum.h"

namespace gaplab {

// BatchNorm over the whole (per-rank) batch, or Ghost BatchNorm over ghost batches of CnnSpec::ghostSize.
enum class CnnNorm { kBatch, kGhostBatch };

struct CnnSpec {
  int64_t inChannels = 1;
  int64_t side = 28;                      // square input images
  std::vector<int64_t> channels{32, 64};  // one conv block per entry
  int64_t hidden = 128;
  int64_t classes = 10;
  float bnMomentum = 0.1f;
  CnnNorm norm = CnnNorm::kBatch;
  int64_t ghostSize = 0;                  // examples per ghost batch with kGhostBatch (>= 2)
  float dropout = 0.0f;                   // before the head
  RankSum* syncBatchNorm = nullptr;       // statistics over all ranks (not owned)
};

std::unique_ptr<Sequential> buildCnn(ParameterArena& arena, const CnnSpec& spec);

}  // namespace gaplab
