// tests/core/ops/conv2d_test.cpp — hand cases, a direct-loop reference and finite differences for conv2d.
#include "core/ops/conv2d.h"

#include "core/ops/add.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

struct ConvParams {
  ParameterArena arena;
  ParamView weight, bias;
  ConvParams(int64_t o, int64_t c, int64_t kh, int64_t kw, bool withBias = true) {
    weight = arena.addParameter("conv.w", {o, c, kh, kw}, Init::fanIn(c * kh * kw));
    if (withBias) bias = arena.addParameter("conv.b", {o}, Init::fanIn(c * kh * kw), WeightDecay::kSkip);
    RngStream rng(13, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

// The definition, one output at a time, in double.
std::vector<float> directConv(const Tensor& x, const ConvParams& p, const Conv2dGeometry& g) {
  const Shape& ws = p.weight.info().shape;
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const int64_t o = ws[0], kh = ws[2], kw = ws[3];
  const int64_t oh = (h + 2 * g.padH - kh) / g.strideH + 1, ow = (w + 2 * g.padW - kw) / g.strideW + 1;
  std::vector<float> y;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = p.bias.defined() ? p.bias.value()[oc] : 0.0;
          for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t e = 0; e < kw; ++e) {
                const int64_t ih = i * g.strideH - g.padH + a, iw = j * g.strideW - g.padW + e;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                s += static_cast<double>(x.data()[((b * c + ic) * h + ih) * w + iw]) *
                     p.weight.value()[((oc * c + ic) * kh + a) * kw + e];
              }
          y.push_back(static_cast<float>(s));
        }
  return y;
}

TEST(Conv2d, HandComputedForwardAndBackward) {
  ConvParams p(1, 1, 2, 2);
  const float wv[] = {1, 0, 0, 1};
  std::copy(wv, wv + 4, p.weight.value());
  p.bias.value()[0] = 0.5f;
  Variable x(Tensor::fromVector({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), RequiresGrad::kYes);
  Tape tape;
  Variable y = conv2d(tape, x, p.weight, p.bias);
  // y[i, j] = x[i, j] + x[i+1, j+1] + 0.5
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{6.5f, 8.5f, 12.5f, 14.5f}));
  tape.backward(y, Tensor::full({1, 1, 2, 2}, 1.0f));
  // dW[a, e] = sum of the 2x2 block of x starting at (a, e); db = number of outputs.
  EXPECT_EQ(std::vector<float>(p.weight.grad(), p.weight.grad() + 4), (std::vector<float>{12, 16, 24, 28}));
  EXPECT_EQ(p.bias.grad()[0], 4.0f);
  // dx counts how often each pixel meets a nonzero tap.
  EXPECT_EQ(x.grad().toVector(), (std::vector<float>{1, 1, 0, 1, 2, 1, 0, 1, 1}));
}

TEST(Conv2d, HandComputedPadding) {
  ConvParams p(1, 1, 3, 3, false);
  std::fill(p.weight.value(), p.weight.value() + 9, 1.0f);
  Variable x(Tensor::fromVector({1, 1, 2, 2}, {1, 2, 3, 4}));
  Tape tape(TapeMode::kInference);
  // With one pixel of zero padding every 3x3 window covers the whole 2x2 input.
  Variable y = conv2d(tape, x, p.weight, p.bias, {1, 1, 1, 1});
  EXPECT_EQ(y.value().toVector(), (std::vector<float>{10, 10, 10, 10}));
}

class Conv2dGeometries : public ::testing::TestWithParam<Conv2dGeometry> {};

TEST_P(Conv2dGeometries, MatchesDirectLoops) {
  ConvParams p(4, 3, 3, 2);
  const Conv2dGeometry g = GetParam();
  const Tensor x = testing::randomTensor({2, 3, 7, 6}, 71);
  Tape tape(TapeMode::kInference);
  const std::vector<float> y = conv2d(tape, Variable(x), p.weight, p.bias, g).value().toVector();
  const std::vector<float> ref = directConv(x, p, g);
  ASSERT_EQ(y.size(), ref.size());
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref[i], 1e-5f) << i;
}

TEST_P(Conv2dGeometries, MatchesFiniteDifferences) {
  ConvParams p(4, 3, 3, 2);
  const Conv2dGeometry g = GetParam();
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({2, 3, 6, 5}, 72)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return conv2d(tape, in[0], p.weight, p.bias, g);
                                });
}

INSTANTIATE_TEST_SUITE_P(StridesAndPadding, Conv2dGeometries,
                         ::testing::Values(Conv2dGeometry{1, 1, 0, 0}, Conv2dGeometry{2, 1, 1, 0},
                                           Conv2dGeometry{1, 2, 0, 1}, Conv2dGeometry{2, 3, 2, 1}));

TEST(Conv2dGradient, SingleSampleWithoutBias) {
  ConvParams p(3, 2, 2, 2, false);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({1, 2, 4, 5}, 73)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return conv2d(tape, in[0], p.weight, p.bias, {1, 1, 1, 1});
                                });
}

// The same input through the conv twice: the second backward accumulates into dx.
TEST(Conv2dGradient, SharedInputAccumulates) {
  ConvParams p(2, 2, 3, 3);
  testing::expectGradientsMatch(p.arena, {testing::randomTensor({2, 2, 5, 5}, 74)},
                                [&](Tape& tape, std::vector<Variable>& in) {
                                  return add(tape, conv2d(tape, in[0], p.weight, p.bias, {1, 1, 1, 1}),
                                             conv2d(tape, in[0], p.weight, p.bias, {1, 1, 1, 1}));
                                });
}

TEST(Conv2d, LargeBatchIsBitIdenticalAcrossRuns) {
  // Large enough that im2col, col2im and the permutes run multi-threaded.
  ConvParams p(16, 8, 3, 3);
  const Tensor x = testing::randomTensor({4, 8, 16, 16}, 75);
  const Tensor dy = testing::randomTensor({4, 16, 16, 16}, 76);
  std::vector<float> y[2], dx[2], dw[2];
  for (int run = 0; run < 2; ++run) {
    p.arena.zeroGrad();
    Variable xv(x.clone(), RequiresGrad::kYes);
    Tape tape;
    Variable out = conv2d(tape, xv, p.weight, p.bias, {1, 1, 1, 1});
    y[run] = out.value().toVector();
    tape.backward(out, dy);
    dx[run] = xv.grad().toVector();
    dw[run] = std::vector<float>(p.weight.grad(), p.weight.grad() + p.weight.numel());
  }
  EXPECT_EQ(y[0], y[1]);
  EXPECT_EQ(dx[0], dx[1]);
  EXPECT_EQ(dw[0], dw[1]);
  const std::vector<float> ref = directConv(x, p, {1, 1, 1, 1});
  for (std::size_t i = 0; i < ref.size(); i += 97) EXPECT_NEAR(y[0][i], ref[i], 1e-4f) << i;
}

TEST(Conv2d, InvalidShapesThrowWithShapes) {
  ConvParams p(2, 3, 3, 3);
  Tape tape;
  try {
    conv2d(tape, Variable(Tensor::zeros({1, 3, 2, 2})), p.weight, p.bias);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 3, 2, 2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 3, 3, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv2d(tape, Variable(Tensor::zeros({1, 4, 5, 5})), p.weight, p.bias), std::invalid_argument);
  EXPECT_THROW(conv2d(tape, Variable(Tensor::zeros({3, 5, 5})), p.weight, p.bias), std::invalid_argument);
  EXPECT_THROW(conv2d(tape, Variable(Tensor::zeros({1, 3, 5, 5})), p.weight, p.bias, {0, 1, 0, 0}),
               std::invalid_argument);
  EXPECT_THROW(conv2d(tape, Variable(Tensor::zeros({1, 3, 5, 5})), p.weight, p.bias, {1, 1, -1, 0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
