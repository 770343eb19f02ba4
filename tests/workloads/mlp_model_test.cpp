// tests/workloads/mlp_model_test.cpp — buildMlp: parameter counts, layer order per norm variant, forward shapes.
#include "workloads/mlp_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/ops/cross_entropy.h"
#include "core/rng.h"

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

MlpSpec smallSpec(MlpNorm norm) {
  MlpSpec spec;
  spec.inputs = 12;
  spec.widths = {16, 8};
  spec.classes = 3;
  spec.norm = norm;
  spec.ghostSize = 4;
  return spec;
}

Variable randomInput(const Shape& shape, uint64_t seed) {
  Tensor t = Tensor::empty(shape);
  RngStream rng(seed, RngPurpose::kSynthetic);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = rng.normal();
  return Variable(t);
}

TEST(MlpModel, ReferenceModelHasTheExpectedParameterCount) {
  ParameterArena arena;
  auto model = buildMlp(arena, MlpSpec{});
  // Linear weights + biases: 784*1024+1024 + 1024*1024+1024 + 1024*10+10; BatchNorm gamma + beta: 2 * 2 * 1024.
  EXPECT_EQ(arena.size(), 1867786);
  EXPECT_EQ(arena.params().size(), 10u);
  EXPECT_EQ(arena.buffers().size(), 4u);  // running mean and variance of both BatchNorms
  EXPECT_FALSE(arena.allocated());  // buildMlp only declares
  EXPECT_EQ(model->describe(),
            "Flatten -> Linear(784->1024) -> BatchNorm(1024)+ReLU -> Linear(1024->1024) -> BatchNorm(1024)+ReLU -> "
            "Linear(1024->10)");
}

TEST(MlpModel, ReferenceModelMapsImagesToTenLogits) {
  ParameterArena arena;
  auto model = buildMlp(arena, MlpSpec{});
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  Tape tape(TapeMode::kInference);
  Variable y = model->forward(tape, randomInput({3, 1, 28, 28}, 1), ForwardContext{NormMode::kTrain, 0, 0});
  EXPECT_EQ(y.shape(), (Shape{3, 10}));
  for (float v : y.value().toVector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(MlpModel, ParameterNamesFollowTheLayers) {
  ParameterArena arena;
  buildMlp(arena, smallSpec(MlpNorm::kBatch));
  std::vector<std::string> names;
  for (const ParamInfo& p : arena.params()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc1.weight", "fc1.bias", "bn1.weight", "bn1.bias", "fc2.weight",
                                             "fc2.bias", "bn2.weight", "bn2.bias", "head.weight", "head.bias"}));
}

TEST(MlpModel, WithoutNormTheActivationIsFusedIntoLinear) {
  ParameterArena arena;
  auto model = buildMlp(arena, smallSpec(MlpNorm::kNone));
  EXPECT_EQ(arena.size(), 12 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
  EXPECT_TRUE(arena.buffers().empty());
  EXPECT_EQ(model->describe(), "Flatten -> Linear(12->16)+ReLU -> Linear(16->8)+ReLU -> Linear(8->3)");
}

TEST(MlpModel, GhostBatchNormCarriesItsGhostSize) {
  ParameterArena arena;
  auto model = buildMlp(arena, smallSpec(MlpNorm::kGhostBatch));
  EXPECT_TRUE(contains(model->describe(), "GhostBatchNorm(16, ghost=4)+ReLU")) << model->describe();
  EXPECT_EQ(arena.size(), 12 * 16 + 16 + 2 * 16 + 16 * 8 + 8 + 2 * 8 + 8 * 3 + 3);
}

TEST(MlpModel, LayerNormVariantUsesAStandaloneActivation) {
  ParameterArena arena;
  auto model = buildMlp(arena, smallSpec(MlpNorm::kLayer));
  EXPECT_EQ(model->describe(),
            "Flatten -> Linear(12->16) -> LayerNorm(16) -> ReLU -> Linear(16->8) -> LayerNorm(8) -> ReLU -> Linear(8->3)");
  EXPECT_TRUE(arena.buffers().empty());
}

TEST(MlpModel, GeluWithBatchNormAddsAnActivationLayer) {
  MlpSpec spec = smallSpec(MlpNorm::kBatch);
  spec.activation = Activation::kGelu;
  ParameterArena arena;
  auto model = buildMlp(arena, spec);
  EXPECT_TRUE(contains(model->describe(), "BatchNorm(16) -> GELU")) << model->describe();
  EXPECT_FALSE(contains(model->describe(), "+ReLU"));
}

TEST(MlpModel, DropoutFollowsEveryHiddenLayer) {
  MlpSpec spec = smallSpec(MlpNorm::kNone);
  spec.dropout = 0.25f;
  ParameterArena arena;
  auto model = buildMlp(arena, spec);
  EXPECT_EQ(model->describe(),
            "Flatten -> Linear(12->16)+ReLU -> Dropout(0.250000) -> Linear(16->8)+ReLU -> Dropout(0.250000) -> "
            "Linear(8->3)");
}

class MlpNormVariant : public ::testing::TestWithParam<MlpNorm> {};

TEST_P(MlpNormVariant, BuildsRunsForwardAndBackward) {
  ParameterArena arena;
  auto model = buildMlp(arena, smallSpec(GetParam()));
  RngStream init(2, RngPurpose::kInit);
  arena.allocate(init);
  Tape tape;
  Variable logits = model->forward(tape, randomInput({8, 12}, 3), ForwardContext{NormMode::kTrain, 0, 0});
  ASSERT_EQ(logits.shape(), (Shape{8, 3}));
  const std::vector<int32_t> labels{0, 1, 2, 0, 1, 2, 0, 1};
  Variable loss = softmaxCrossEntropy(tape, logits, labels);
  EXPECT_GT(loss.value().item(), 0.0f);
  tape.backward(loss);
  double gradNorm = 0.0;
  for (int64_t i = 0; i < arena.size(); ++i) gradNorm += static_cast<double>(arena.grads()[i]) * arena.grads()[i];
  EXPECT_GT(gradNorm, 0.0);
  Tape eval(TapeMode::kInference);
  EXPECT_EQ(model->forward(eval, randomInput({2, 12}, 4), ForwardContext{NormMode::kEval, 0, 0}).shape(),
            (Shape{2, 3}));
}

INSTANTIATE_TEST_SUITE_P(Norms, MlpNormVariant,
                         ::testing::Values(MlpNorm::kNone, MlpNorm::kBatch, MlpNorm::kGhostBatch, MlpNorm::kLayer));

TEST(MlpModel, RejectsInputsOfTheWrongWidth) {
  ParameterArena arena;
  auto model = buildMlp(arena, smallSpec(MlpNorm::kNone));
  RngStream init(2, RngPurpose::kInit);
  arena.allocate(init);
  Tape tape;
  EXPECT_THROW(model->forward(tape, randomInput({2, 13}, 1), {}), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
