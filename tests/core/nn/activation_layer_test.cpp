// tests/core/nn/activation_layer_test.cpp — ActivationLayer applies ReLU or GELU and names it.
#include "core/nn/activation_layer.h"

#include <gtest/gtest.h>

#include <vector>

namespace gaplab {
namespace {

TEST(ActivationLayer, ReluClampsNegatives) {
  ActivationLayer layer(Activation::kRelu);
  Tape tape;
  Variable y = layer.forward(tape, Variable(Tensor::fromVector({4}, {-2, -0.5f, 0, 3})), {});
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{0, 0, 0, 3}));
}

TEST(ActivationLayer, GeluIsSmoothAndNotRelu) {
  ActivationLayer layer(Activation::kGelu);
  Tape tape;
  const std::vector<float> y = layer.forward(tape, Variable(Tensor::fromVector({3}, {-1, 0, 1})), {}).value().toVector();
  EXPECT_NEAR(y[0], -0.1587f, 1e-3f);  // GELU(-1) = -Phi(-1)
  EXPECT_NEAR(y[1], 0.0f, 1e-6f);
  EXPECT_NEAR(y[2], 0.8413f, 1e-3f);
}

TEST(ActivationLayer, Describe) {
  EXPECT_EQ(ActivationLayer(Activation::kRelu).describe(), "ReLU");
  EXPECT_EQ(ActivationLayer(Activation::kGelu).describe(), "GELU");
}

}  // namespace
}  // namespace gaplab
