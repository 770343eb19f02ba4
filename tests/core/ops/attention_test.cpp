// tests/core/ops/attention_test.cpp — causal self-attention against hand-computed and
// double-precision reference values, finite differences, determinism and shape errors.
#include "core/ops/attention.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>

#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

// Straightforward double-precision attention over the [q | k | v] layout.
std::vector<double> referenceAttention(const Tensor& qkv, int64_t heads) {
  const int64_t batch = qkv.dim(0), seq = qkv.dim(1), d = qkv.dim(2) / 3, dh = d / heads;
  const float* x = qkv.data();
  auto at = [&](int64_t b, int64_t t, int64_t col) { return static_cast<double>(x[(b * seq + t) * 3 * d + col]); };
  std::vector<double> y(static_cast<std::size_t>(batch * seq * d), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t t = 0; t < seq; ++t) {
        std::vector<double> score(static_cast<std::size_t>(t + 1));
        double mx = -1e300;
        for (int64_t s = 0; s <= t; ++s) {
          double dot = 0.0;
          for (int64_t c = 0; c < dh; ++c) dot += at(b, t, h * dh + c) * at(b, s, d + h * dh + c);
          score[s] = dot / std::sqrt(static_cast<double>(dh));
          mx = std::max(mx, score[s]);
        }
        double sum = 0.0;
        for (double& v : score) sum += v = std::exp(v - mx);
        for (int64_t c = 0; c < dh; ++c) {
          double acc = 0.0;
          for (int64_t s = 0; s <= t; ++s) acc += score[s] / sum * at(b, s, 2 * d + h * dh + c);
          y[(b * seq + t) * d + h * dh + c] = acc;
        }
      }
  return y;
}

TEST(Attention, HandComputedForwardAndBackward) {
  // One head, D = 1, scale 1. Position 1 scores [q1 k0, q1 k1] = [0, ln 3] -> P = [1/4, 3/4].
  const float ln3 = std::log(3.0f);
  Variable qkv(Tensor::fromVector({1, 2, 3}, {5, 0, 4,    // q0 k0 v0
                                              1, ln3, 8}), // q1 k1 v1
               RequiresGrad::kYes);
  Tape tape;
  Variable y = causalSelfAttention(tape, qkv, 1);
  ASSERT_EQ(y.shape(), (Shape{1, 2, 1}));
  EXPECT_FLOAT_EQ(y.value().data()[0], 4.0f);           // position 0 sees only v0
  EXPECT_NEAR(y.value().data()[1], 0.25f * 4 + 0.75f * 8, 1e-5f);
  tape.backward(y, Tensor::fromVector({1, 2, 1}, {1, 1}));
  const std::vector<float> g = qkv.grad().toVector();
  // dV = P^T dY: dv0 = 1 + 1/4, dv1 = 3/4.
  EXPECT_NEAR(g[2], 1.25f, 1e-6f);
  EXPECT_NEAR(g[5], 0.75f, 1e-6f);
  // Row 0 has a single key: dS = 0, so dq0 = 0 and k0 only gets row 1's gradient.
  EXPECT_EQ(g[0], 0.0f);
  // Row 1: dP = [v0, v1] = [4, 8], rowsum(dP * P) = 7, dS = [1/4 * -3, 3/4 * 1] = [-3/4, 3/4].
  // dq1 = dS K = -3/4 * 0 + 3/4 * ln 3; dk0 = dS[1][0] q1 = -3/4; dk1 = dS[1][1] q1 = 3/4.
  EXPECT_NEAR(g[3], 0.75f * ln3, 1e-5f);
  EXPECT_NEAR(g[1], -0.75f, 1e-5f);
  EXPECT_NEAR(g[4], 0.75f, 1e-5f);
}

TEST(Attention, MatchesDoubleReferenceAcrossBlocksAndHeads) {
  // T = 70 spans three query blocks; four heads check the column layout of q, k, v and y.
  const int64_t heads = 4;
  const Tensor x = testing::randomTensor({2, 70, 3 * 16}, 21);
  Tape tape(TapeMode::kInference);
  const Variable y = causalSelfAttention(tape, Variable(x), heads);
  ASSERT_EQ(y.shape(), (Shape{2, 70, 16}));
  const std::vector<double> ref = referenceAttention(x, heads);
  for (int64_t i = 0; i < y.value().numel(); ++i) ASSERT_NEAR(y.value().data()[i], ref[i], 2e-5) << "element " << i;
}

TEST(Attention, OutputsDoNotDependOnLaterPositions) {
  Tensor x = testing::randomTensor({1, 40, 3 * 8}, 5);
  Tape tape(TapeMode::kInference);
  const std::vector<float> before = causalSelfAttention(tape, Variable(x), 2).value().toVector();
  for (int64_t c = 0; c < 3 * 8; ++c) x.data()[39 * 3 * 8 + c] += 3.0f;  // change q, k, v of the last position
  const std::vector<float> after = causalSelfAttention(tape, Variable(x), 2).value().toVector();
  for (int64_t i = 0; i < 39 * 8; ++i) ASSERT_EQ(before[i], after[i]) << "element " << i;
  EXPECT_NE(before[39 * 8], after[39 * 8]);
}

TEST(Attention, RecordingAndInferenceGiveTheSameOutput) {
  const Tensor x = testing::randomTensor({3, 45, 3 * 12}, 8);
  Tape record;
  Tape inference(TapeMode::kInference);
  EXPECT_EQ(causalSelfAttention(record, Variable(x, RequiresGrad::kYes), 3).value().toVector(),
            causalSelfAttention(inference, Variable(x), 3).value().toVector());
}

class AttentionGradient : public ::testing::TestWithParam<std::vector<int64_t>> {};

TEST_P(AttentionGradient, MatchesFiniteDifferences) {
  const std::vector<int64_t> p = GetParam();  // B, T, D, heads
  ParameterArena arena;
  testing::GradCheckOptions options;
  options.maxChecksPerTensor = 96;
  testing::expectGradientsMatch(
      arena, {testing::randomTensor({p[0], p[1], 3 * p[2]}, 31)},
      [&](Tape& tape, std::vector<Variable>& in) { return causalSelfAttention(tape, in[0], p[3]); }, options);
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionGradient,
                         ::testing::Values(std::vector<int64_t>{2, 5, 4, 2}, std::vector<int64_t>{1, 1, 3, 1},
                                           std::vector<int64_t>{2, 7, 6, 3}, std::vector<int64_t>{1, 37, 4, 2}));

TEST(Attention, InputGradientAccumulatesIntoAnExistingGradient) {
  const Tensor x = testing::randomTensor({2, 9, 3 * 4}, 12);
  const Tensor dy = testing::randomTensor({2, 9, 4}, 13);
  Variable first(x, RequiresGrad::kYes);
  Tape tape;
  Variable y = causalSelfAttention(tape, first, 2);
  tape.backward(y, dy);
  const std::vector<float> assigned = first.grad().toVector();

  Variable second(x, RequiresGrad::kYes);
  GradWrite mode;
  second.gradForWrite(&mode).fill(1.0f);
  Tape again;
  y = causalSelfAttention(again, second, 2);
  again.backward(y, dy);
  const std::vector<float> accumulated = second.grad().toVector();
  for (std::size_t i = 0; i < assigned.size(); ++i) EXPECT_FLOAT_EQ(accumulated[i], assigned[i] + 1.0f) << i;
}

// Forward and backward at a given thread count: y followed by d(qkv).
std::vector<float> runAtThreads(const Tensor& x, const Tensor& dy, int64_t heads, int threads) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  Variable in(x, RequiresGrad::kYes);
  Tape tape;
  Variable y = causalSelfAttention(tape, in, heads);
  std::vector<float> out = y.value().toVector();
  tape.backward(y, dy);
  const std::vector<float> g = in.grad().toVector();
  out.insert(out.end(), g.begin(), g.end());
  omp_set_num_threads(saved);
  return out;
}

TEST(Attention, BitIdenticalAcrossRunsAndThreadCounts) {
  // Many pairs (threads split them) and a single long pair (one thread, large products).
  for (const std::vector<int64_t>& p : {std::vector<int64_t>{4, 96, 64, 4}, std::vector<int64_t>{1, 520, 64, 1}}) {
    const Tensor x = testing::randomTensor({p[0], p[1], 3 * p[2]}, 40);
    const Tensor dy = testing::randomTensor({p[0], p[1], p[2]}, 41);
    const std::vector<float> one = runAtThreads(x, dy, p[3], 1);
    const std::vector<float> two = runAtThreads(x, dy, p[3], 2);
    const std::vector<float> three = runAtThreads(x, dy, p[3], 3);
    const std::vector<float> again = runAtThreads(x, dy, p[3], 3);
    ASSERT_EQ(one.size(), two.size());
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0) << "T = " << p[1];
    EXPECT_EQ(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)), 0) << "T = " << p[1];
    EXPECT_EQ(std::memcmp(three.data(), again.data(), one.size() * sizeof(float)), 0) << "T = " << p[1];
  }
}

std::string attentionError(const Shape& shape, int64_t heads) {
  Tape tape;
  try {
    causalSelfAttention(tape, Variable(Tensor::zeros(shape)), heads);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

TEST(Attention, ShapeErrorsNameTheProblem) {
  const std::string heads = attentionError({1, 4, 30}, 3);
  EXPECT_NE(heads.find("D = 10"), std::string::npos) << heads;
  EXPECT_NE(heads.find("heads = 3"), std::string::npos) << heads;
  const std::string third = attentionError({1, 4, 10}, 1);
  EXPECT_NE(third.find("[1, 4, 10]"), std::string::npos) << third;
  EXPECT_NE(third.find("divisible by 3"), std::string::npos) << third;
  const std::string rank = attentionError({4, 12}, 2);
  EXPECT_NE(rank.find("rank 2"), std::string::npos) << rank;
  EXPECT_NE(attentionError({2, 1, 4, 12}, 2).find("rank 4"), std::string::npos);
  EXPECT_NE(attentionError({1, 4, 12}, 0).find("heads = 0"), std::string::npos);
  EXPECT_NE(attentionError({1, 0, 12}, 2).find("empty"), std::string::npos);
  Tape tape;
  EXPECT_THROW(causalSelfAttention(tape, Variable(), 1), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
