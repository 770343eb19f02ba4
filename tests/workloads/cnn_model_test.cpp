// tests/workloads/cnn_model_test.cpp — buildCnn: layer stack, parameter count, output shape, too many blocks.
#include "workloads/cnn_model.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/rng.h"
#include "tests/core/autograd/gradient_ready_check.h"

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CnnModel, DefaultModelLayersAndParameterCount) {
  ParameterArena arena;
  auto model = buildCnn(arena, CnnSpec{});
  // conv1 32*1*9+32, bn1 2*32, conv2 64*32*9+64, bn2 2*64, fc1 (64*7*7)*128+128, head 128*10+10
  EXPECT_EQ(arena.size(), 320 + 64 + 18496 + 128 + 401536 + 1290);
  EXPECT_EQ(model->describe(),
            "Conv2d(1->32, k3) -> BatchNorm(32)+ReLU -> MaxPool(2) -> Conv2d(32->64, k3) -> BatchNorm(64)+ReLU -> "
            "MaxPool(2) -> Flatten -> Linear(3136->128)+ReLU -> Linear(128->10)");
}

TEST(CnnModel, DefaultModelMapsImagesToTenLogits) {
  ParameterArena arena;
  auto model = buildCnn(arena, CnnSpec{});
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  Tape tape(TapeMode::kInference);
  Variable y = model->forward(tape, Variable(Tensor::full({2, 1, 28, 28}, 0.5f)), ForwardContext{NormMode::kEval, 0, 0});
  EXPECT_EQ(y.shape(), (Shape{2, 10}));
}

TEST(CnnModel, OddSidesFloorThroughEveryPool) {
  CnnSpec spec;
  spec.inChannels = 3;
  spec.side = 7;  // 7 -> 3 -> 1
  spec.channels = {4, 5};
  spec.hidden = 6;
  spec.classes = 2;
  ParameterArena arena;
  auto model = buildCnn(arena, spec);
  EXPECT_TRUE(contains(model->describe(), "Linear(5->6)+ReLU")) << model->describe();
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  Tape tape;
  Variable y = model->forward(tape, Variable(Tensor::full({3, 3, 7, 7}, 1.0f)), ForwardContext{NormMode::kTrain, 0, 0});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
}

TEST(CnnModel, DropoutGoesBeforeTheHead) {
  CnnSpec spec;
  spec.side = 8;
  spec.channels = {2};
  spec.hidden = 4;
  spec.dropout = 0.5f;
  ParameterArena arena;
  auto model = buildCnn(arena, spec);
  EXPECT_TRUE(contains(model->describe(), "Linear(32->4)+ReLU -> Dropout(0.500000) -> Linear(4->10)"))
      << model->describe();
}

TEST(CnnModel, TooManyBlocksForTheImageThrow) {
  CnnSpec spec;
  spec.side = 4;
  spec.channels = {2, 2, 2};  // 4 -> 2 -> 1 -> 0
  ParameterArena arena;
  try {
    buildCnn(arena, spec);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_TRUE(contains(message, "3 pooling blocks")) << message;
    EXPECT_TRUE(contains(message, "4-pixel")) << message;
  }
  spec.channels = {2, 2};  // 4 -> 2 -> 1 is fine
  ParameterArena ok;
  EXPECT_NO_THROW(buildCnn(ok, spec));
}

// conv2d, batch_norm and linear declare their parameters: each is reported once, with its final gradient.
TEST(CnnModel, GradientReadyReportsEveryParameterOnceWithItsFinalGradient) {
  CnnSpec spec;
  spec.side = 8;
  spec.channels = {3, 4};
  spec.hidden = 5;
  spec.classes = 3;
  ParameterArena arena;
  auto model = buildCnn(arena, spec);
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  RngStream data(1, RngPurpose::kSynthetic);
  std::vector<float> x(2 * 8 * 8), seed(2 * 3);
  for (float& v : x) v = data.normal();
  for (float& v : seed) v = data.normal();
  Tape tape;
  Variable y = model->forward(tape, Variable(Tensor::fromVector({2, 1, 8, 8}, x)), ForwardContext{NormMode::kTrain, 0, 0});
  testing::FinalGradientCheck check(arena);
  tape.backward(y, Tensor::fromVector({2, 3}, seed), &check);
  check.expectAllFinal();
  // Parameters are laid out in order of use: backward reports them in descending index
  // (an op that forgot to declare its parameters would have them reported at the end).
  ASSERT_EQ(check.order().size(), arena.params().size());
  for (std::size_t k = 0; k < check.order().size(); ++k)
    EXPECT_EQ(check.order()[k], static_cast<int>(arena.params().size() - 1 - k));
}

}  // namespace
}  // namespace gaplab
