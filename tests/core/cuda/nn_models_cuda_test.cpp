// tests/core/cuda/nn_models_cuda_test.cpp — whole small models built from the nn
// layers, one training step on each side: the Fashion-MNIST MLP (linear,
// BatchNorm + ReLU, dropout, cross-entropy with smoothing) and a small CNN
// (conv, Ghost BatchNorm + ReLU, max pooling, ReLU, global average pooling,
// flatten, linear). Checks the loss, every parameter gradient and the running
// statistics, so that no layer in these paths touches device data on the host.
#include "core/nn/activation_layer.h"
#include "core/nn/batch_norm_layer.h"
#include "core/nn/conv2d_layer.h"
#include "core/nn/dropout_layer.h"
#include "core/nn/flatten_layer.h"
#include "core/nn/linear_layer.h"
#include "core/nn/pooling_layer.h"
#include "core/nn/sequential.h"
#include "core/ops/cross_entropy.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

std::vector<int32_t> labelsFor(int64_t rows, int64_t classes) {
  std::vector<int32_t> labels(static_cast<std::size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) labels[static_cast<std::size_t>(r)] = static_cast<int32_t>((r * 7 + 3) % classes);
  return labels;
}

// Builds the same model into each arena, runs one step per side, compares.
void checkModel(const std::function<void(Sequential&, ParameterArena&)>& build, const Shape& inputShape,
                int64_t classes, float bufferTolerance) {
  GAPLAB_REQUIRE_GPU();
  testing::TwinArenas twin;
  Sequential models[2];
  twin.allocate([&](ParameterArena& arena, Device d) { build(models[d == Device::kCpu ? 0 : 1], arena); });
  const Tensor x = testing::randomHostTensor(inputShape, 31);
  const std::vector<int32_t> labels = labelsFor(inputShape[0], classes);
  ForwardContext context;
  context.seed = 5;
  context.step = 3;
  float losses[2];
  for (int side = 0; side < 2; ++side) {
    const Device d = side == 0 ? Device::kCpu : Device::kCuda;
    Tape tape;
    Variable logits = models[side].forward(tape, Variable(x.to(d)), context);
    Variable loss = softmaxCrossEntropy(tape, logits, labels, 0.1f);
    EXPECT_EQ(loss.value().device(), d);
    tape.backward(loss);
    losses[side] = loss.value().item();
  }
  EXPECT_NEAR(losses[1], losses[0], 1e-5f * std::fabs(losses[0]) + 1e-6f);
  twin.expectGradsClose(1e-4f, 2e-3f);
  twin.expectBuffersClose(bufferTolerance, 1e-4f);

  // Eval mode (running statistics, no dropout) gives the same logits too.
  context.mode = NormMode::kEval;
  Tape a(TapeMode::kInference), b(TapeMode::kInference);
  const Tensor yc = models[0].forward(a, Variable(x), context).value();
  const Tensor yg = models[1].forward(b, Variable(x.to(Device::kCuda)), context).value();
  testing::expectTensorsClose(yc, yg, 1e-4f, 1e-3f, "eval logits");
}

TEST(NnModelsCuda, FashionMnistMlpStep) {
  checkModel(
      [](Sequential& m, ParameterArena& arena) {
        BatchNormOptions bn;
        bn.activation = FusedActivation::kRelu;
        m.add<LinearLayer>(arena, "fc1", 784, 96, UseBias::kNo);
        m.add<BatchNormLayer>(arena, "bn1", 96, bn);
        m.add<DropoutLayer>(0.2f, 0);
        m.add<LinearLayer>(arena, "fc2", 96, 10);
      },
      {64, 784}, 10, 1e-5f);
}

TEST(NnModelsCuda, SmallCnnStep) {
  checkModel(
      [](Sequential& m, ParameterArena& arena) {
        BatchNormOptions bn;
        bn.activation = FusedActivation::kRelu;
        bn.ghostSize = 4;
        m.add<Conv2dLayer>(arena, "conv1", 1, 8, 3, 1, 1);
        m.add<BatchNormLayer>(arena, "bn1", 8, bn);
        m.add<PoolingLayer>(PoolKind::kMax, 2, 2, 0);
        m.add<Conv2dLayer>(arena, "conv2", 8, 12, 3, 1, 1);
        m.add<ActivationLayer>(Activation::kGelu);
        m.add<PoolingLayer>(PoolKind::kGlobalAverage);
        m.add<FlattenLayer>();
        m.add<LinearLayer>(arena, "fc", 12, 10);
      },
      {10, 1, 12, 12}, 10, 1e-5f);
}

}  // namespace
}  // namespace gaplab
