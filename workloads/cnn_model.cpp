// workloads/cnn_model.cpp — see cnn_model.h.
#include "workloads/cnn_model.h"

#include <stdexcept>

#include "core/nn/batch_norm_layer.h"
#include "core/nn/conv2d_layer.h"
#include "core/nn/dropout_layer.h"
#include "core/nn/flatten_layer.h"
#include "core/nn/linear_layer.h"
#include "core/nn/pooling_layer.h"

namespace gaplab {

std::unique_ptr<Sequential> buildCnn(ParameterArena& arena, const CnnSpec& spec) {
  auto model = std::make_unique<Sequential>();
  int64_t c = spec.inChannels, side = spec.side;
  for (std::size_t i = 0; i < spec.channels.size(); ++i) {
    const std::string id = std::to_string(i + 1);
    model->add<Conv2dLayer>(arena, "conv" + id, c, spec.channels[i], 3, 1, 1);
    BatchNormOptions bn;
    bn.momentum = spec.bnMomentum;
    bn.activation = FusedActivation::kRelu;
    bn.ghostSize = spec.norm == CnnNorm::kGhostBatch ? spec.ghostSize : 0;
    model->add<BatchNormLayer>(arena, "bn" + id, spec.channels[i], bn,
                               spec.norm == CnnNorm::kBatch ? spec.syncBatchNorm : nullptr);
    model->add<PoolingLayer>(PoolKind::kMax, 2, 2, 0);
    c = spec.channels[i];
    side /= 2;
    if (side < 1)
      throw std::invalid_argument("cnn: " + std::to_string(spec.channels.size()) + " pooling blocks shrink a " +
                                  std::to_string(spec.side) + "-pixel image below one pixel");
  }
  model->add<FlattenLayer>();
  model->add<LinearLayer>(arena, "fc1", c * side * side, spec.hidden, UseBias::kYes, FusedActivation::kRelu);
  if (spec.dropout > 0.0f) model->add<DropoutLayer>(spec.dropout, 0);
  model->add<LinearLayer>(arena, "head", spec.hidden, spec.classes);
  return model;
}

}  // namespace gaplab
