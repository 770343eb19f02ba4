// workloads/mlp_model.cpp — layer order: Linear -> norm -> activation -> dropout,
// with the activation fused into BatchNorm or Linear where the op supports it.
#include "workloads/mlp_model.h"

#include "core/nn/batch_norm_layer.h"
#include "core/nn/dropout_layer.h"
#include "core/nn/flatten_layer.h"
#include "core/nn/layer_norm_layer.h"
#include "core/nn/linear_layer.h"

namespace gaplab {

std::unique_ptr<Sequential> buildMlp(ParameterArena& arena, const MlpSpec& spec) {
  auto model = std::make_unique<Sequential>();
  model->add<FlattenLayer>();
  const FusedActivation fused = spec.activation == Activation::kRelu ? FusedActivation::kRelu : FusedActivation::kGelu;
  int64_t in = spec.inputs;
  uint64_t dropoutIndex = 0;
  for (std::size_t i = 0; i < spec.widths.size(); ++i) {
    const std::string name = "fc" + std::to_string(i + 1);
    const int64_t out = spec.widths[i];
    switch (spec.norm) {
      case MlpNorm::kNone:
        model->add<LinearLayer>(arena, name, in, out, UseBias::kYes, fused);
        break;
      case MlpNorm::kBatch:
      case MlpNorm::kGhostBatch: {
        model->add<LinearLayer>(arena, name, in, out);
        BatchNormOptions bn;
        bn.ghostSize = spec.norm == MlpNorm::kGhostBatch ? spec.ghostSize : 0;
        bn.momentum = spec.bnMomentum;
        bn.activation = spec.activation == Activation::kRelu ? FusedActivation::kRelu : FusedActivation::kNone;
        model->add<BatchNormLayer>(arena, "bn" + std::to_string(i + 1), out, bn,
                                   spec.norm == MlpNorm::kBatch ? spec.syncBatchNorm : nullptr);
        if (spec.activation != Activation::kRelu) model->add<ActivationLayer>(spec.activation);
        break;
      }
      case MlpNorm::kLayer:
        model->add<LinearLayer>(arena, name, in, out);
        model->add<LayerNormLayer>(arena, "ln" + std::to_string(i + 1), out);
        model->add<ActivationLayer>(spec.activation);
        break;
    }
    if (spec.dropout > 0.0f) model->add<DropoutLayer>(spec.dropout, dropoutIndex++);
    in = out;
  }
  model->add<LinearLayer>(arena, "head", in, spec.classes);
  return model;
}

}  // namespace gaplab
