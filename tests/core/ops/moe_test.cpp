// tests/core/ops/moe_test.cpp — the Mixture-of-Experts op against a naive double-precision
// reference, finite differences, hand-computed auxiliary losses, capacity dropping,
// routing statistics, the dense limit (k = E, identical experts) and determinism.
#include "core/ops/moe.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>

#include "core/ops/linear.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

struct Sizes {
  int64_t width, hidden, experts;
};

// An arena holding one MoE layer's parameters.
struct MoeLayer {
  ParameterArena arena;
  MoeParams params;
  MoeLayer(Sizes s, ExpertActivation activation, uint64_t seed) {
    const int64_t w1Rows = activation == ExpertActivation::kSwiglu ? 2 * s.hidden : s.hidden;
    params.router = arena.addParameter("router", {s.experts, s.width}, Init::normal(1.0f));
    params.w1 = arena.addParameter("w1", {s.experts, w1Rows, s.width}, Init::fanIn(s.width));
    params.w2 = arena.addParameter("w2", {s.experts, s.width, s.hidden}, Init::fanIn(s.hidden));
    RngStream rng(seed, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

MoeOptions makeOptions(int64_t experts, int64_t topK, RouterNormalization normalization, ExpertActivation activation) {
  MoeOptions o;
  o.experts = experts;
  o.topK = topK;
  o.normalization = normalization;
  o.activation = activation;
  return o;
}

// Element by element from an array in static storage. GCC 12.2 with -mavx512f (our
// -march=native here) miscompiles some constant vectors: std::vector<int64_t>{10, 10, 0, 0}
// is built as {10, 10, 10, 10} by a broadcast store, so no such literal is compared whole.
template <std::size_t N>
void expectCounts(const std::vector<int64_t>& actual, const int64_t (&expected)[N]) {
  ASSERT_EQ(actual.size(), N);
  for (std::size_t i = 0; i < N; ++i) EXPECT_EQ(actual[i], expected[i]) << "expert " << i;
}

// ---- naive reference ------------------------------------------------------------------

struct Reference {
  std::vector<double> y;
  double aux = 0.0, z = 0.0;
  std::vector<int64_t> tokensPerExpert;
  int64_t dropped = 0;
};

double geluRef(double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }

std::vector<double> logitsRef(const float* x, const float* router, int64_t t, int64_t D, int64_t E) {
  std::vector<double> l(static_cast<std::size_t>(E), 0.0);
  for (int64_t e = 0; e < E; ++e)
    for (int64_t j = 0; j < D; ++j)
      l[static_cast<std::size_t>(e)] += static_cast<double>(x[t * D + j]) * router[e * D + j];
  return l;
}

Reference reference(const Tensor& xt, const MoeParams& p, const MoeOptions& o) {
  const int64_t D = p.router.info().shape[1], E = o.experts, K = o.topK, H = p.w2.info().shape[2];
  const int64_t N = xt.numel() / D;
  const bool swiglu = o.activation == ExpertActivation::kSwiglu;
  const int64_t H1 = swiglu ? 2 * H : H;
  const float* x = xt.data();
  std::vector<double> probs(static_cast<std::size_t>(N * E));
  std::vector<int64_t> expert(static_cast<std::size_t>(N * K));
  std::vector<double> gate(static_cast<std::size_t>(N * K));
  Reference r;
  r.y.assign(static_cast<std::size_t>(N * D), 0.0);
  r.tokensPerExpert.assign(static_cast<std::size_t>(E), 0);
  std::vector<int64_t> routed(static_cast<std::size_t>(E), 0);
  for (int64_t t = 0; t < N; ++t) {
    const std::vector<double> l = logitsRef(x, p.router.value(), t, D, E);
    double mx = l[0];
    for (double v : l) mx = std::max(mx, v);
    double sum = 0.0;
    for (double v : l) sum += std::exp(v - mx);
    const double lse = mx + std::log(sum);
    r.z += lse * lse / static_cast<double>(N);
    for (int64_t e = 0; e < E; ++e)
      probs[static_cast<std::size_t>(t * E + e)] = std::exp(l[static_cast<std::size_t>(e)] - lse);
    std::vector<bool> taken(static_cast<std::size_t>(E), false);
    double chosen = 0.0;
    for (int64_t s = 0; s < K; ++s) {
      int64_t best = -1;
      for (int64_t e = 0; e < E; ++e)
        if (!taken[static_cast<std::size_t>(e)] &&
            (best < 0 || probs[static_cast<std::size_t>(t * E + e)] > probs[static_cast<std::size_t>(t * E + best)]))
          best = e;
      taken[static_cast<std::size_t>(best)] = true;
      expert[static_cast<std::size_t>(t * K + s)] = best;
      gate[static_cast<std::size_t>(t * K + s)] = probs[static_cast<std::size_t>(t * E + best)];
      chosen += probs[static_cast<std::size_t>(t * E + best)];
      ++routed[static_cast<std::size_t>(best)];
    }
    if (o.normalization == RouterNormalization::kRenormalize)
      for (int64_t s = 0; s < K; ++s) gate[static_cast<std::size_t>(t * K + s)] /= chosen;
  }
  for (int64_t e = 0; e < E; ++e) {
    double meanP = 0.0;
    for (int64_t t = 0; t < N; ++t) meanP += probs[static_cast<std::size_t>(t * E + e)] / static_cast<double>(N);
    r.aux += static_cast<double>(E) * static_cast<double>(routed[static_cast<std::size_t>(e)]) /
             static_cast<double>(N * K) * meanP;
  }
  const int64_t capacity =
      o.capacityFactor > 0.0f
          ? static_cast<int64_t>(std::ceil(static_cast<double>(o.capacityFactor) * N * K / E - 1e-9))
          : N * K;
  for (int64_t s = 0; s < K; ++s)
    for (int64_t t = 0; t < N; ++t) {
      const int64_t e = expert[static_cast<std::size_t>(t * K + s)];
      if (r.tokensPerExpert[static_cast<std::size_t>(e)] >= capacity) {
        ++r.dropped;
        continue;
      }
      ++r.tokensPerExpert[static_cast<std::size_t>(e)];
      const float* w1 = p.w1.value() + e * H1 * D;
      const float* w2 = p.w2.value() + e * D * H;
      std::vector<double> pre(static_cast<std::size_t>(H1), 0.0), h(static_cast<std::size_t>(H));
      for (int64_t i = 0; i < H1; ++i)
        for (int64_t j = 0; j < D; ++j)
          pre[static_cast<std::size_t>(i)] += static_cast<double>(w1[i * D + j]) * x[t * D + j];
      for (int64_t i = 0; i < H; ++i) {
        if (swiglu) {
          const double g = pre[static_cast<std::size_t>(i)];
          h[static_cast<std::size_t>(i)] = g / (1.0 + std::exp(-g)) * pre[static_cast<std::size_t>(H + i)];
        } else {
          h[static_cast<std::size_t>(i)] = geluRef(pre[static_cast<std::size_t>(i)]);
        }
      }
      for (int64_t j = 0; j < D; ++j) {
        double out = 0.0;
        for (int64_t i = 0; i < H; ++i) out += static_cast<double>(w2[j * H + i]) * h[static_cast<std::size_t>(i)];
        r.y[static_cast<std::size_t>(t * D + j)] += gate[static_cast<std::size_t>(t * K + s)] * out;
      }
    }
  return r;
}

// Smallest gap, over tokens, between the k-th and (k+1)-th largest router logit.
double topKMargin(const Tensor& xt, const MoeParams& p, int64_t topK) {
  const int64_t D = p.router.info().shape[1], E = p.router.info().shape[0], N = xt.numel() / D;
  double margin = 1e30;
  for (int64_t t = 0; t < N; ++t) {
    std::vector<double> l = logitsRef(xt.data(), p.router.value(), t, D, E);
    std::sort(l.begin(), l.end(), std::greater<>());
    if (topK < E) margin = std::min(margin, l[static_cast<std::size_t>(topK - 1)] - l[static_cast<std::size_t>(topK)]);
    for (int64_t s = 0; s + 1 < topK; ++s)  // the slot order must hold too
      margin = std::min(margin, l[static_cast<std::size_t>(s)] - l[static_cast<std::size_t>(s + 1)]);
  }
  return margin;
}

// Input of `shape` from the first seed whose routing is at least `margin` away from a flip,
// so that finite differences (eps 1e-3) never change the chosen experts.
Tensor wellSeparatedInput(const Shape& shape, const MoeParams& p, int64_t topK, double margin = 0.1) {
  for (uint64_t seed = 1; seed < 500; ++seed) {
    Tensor x = testing::randomTensor(shape, seed);
    if (topKMargin(x, p, topK) > margin) return x;
  }
  ADD_FAILURE() << "no seed below 500 gives a top-" << topK << " margin of " << margin;
  return testing::randomTensor(shape, 1);
}

// ---- forward against the reference ---------------------------------------------------------

struct Mode {
  ExpertActivation activation;
  RouterNormalization normalization;
  float capacityFactor;
};

void PrintTo(const Mode& m, std::ostream* os) {
  *os << (m.activation == ExpertActivation::kGelu ? "gelu" : "swiglu") << ", "
      << (m.normalization == RouterNormalization::kNone ? "plain" : "renormalized") << " gates, capacity factor "
      << m.capacityFactor;
}

std::string modeName(const ::testing::TestParamInfo<Mode>& info) {
  std::string s = info.param.activation == ExpertActivation::kGelu ? "Gelu" : "Swiglu";
  s += info.param.normalization == RouterNormalization::kNone ? "Plain" : "Renormalized";
  if (info.param.capacityFactor > 0.0f) s += "Capacity";
  return s;
}

const Mode kModes[] = {
    {ExpertActivation::kGelu, RouterNormalization::kNone, 0.0f},
    {ExpertActivation::kGelu, RouterNormalization::kRenormalize, 0.0f},
    {ExpertActivation::kSwiglu, RouterNormalization::kNone, 0.0f},
    {ExpertActivation::kSwiglu, RouterNormalization::kRenormalize, 0.0f},
    {ExpertActivation::kGelu, RouterNormalization::kNone, 0.75f},
    {ExpertActivation::kSwiglu, RouterNormalization::kRenormalize, 0.75f},
};

class MoeModes : public ::testing::TestWithParam<Mode> {};

TEST_P(MoeModes, ForwardMatchesNaiveReference) {
  const Mode m = GetParam();
  MoeLayer layer({12, 20, 4}, m.activation, 7);
  MoeOptions o = makeOptions(4, 2, m.normalization, m.activation);
  o.capacityFactor = m.capacityFactor;
  o.auxLossCoefficient = 0.3f;
  o.zLossCoefficient = 0.2f;
  const Tensor x = testing::randomTensor({5, 7, 12}, 3);
  Tape tape;
  MoeStats stats;
  MoeOutput out = moeFeedForward(tape, Variable(x, RequiresGrad::kYes), layer.params, o, &stats);
  const Reference ref = reference(x, layer.params, o);
  ASSERT_EQ(out.y.shape(), x.shape());
  for (int64_t i = 0; i < x.numel(); ++i)
    EXPECT_NEAR(out.y.value().data()[i], ref.y[static_cast<std::size_t>(i)], 2e-5) << i;
  EXPECT_NEAR(stats.auxLoss, ref.aux, 1e-5);
  EXPECT_NEAR(stats.zLoss, ref.z, 1e-5);
  EXPECT_NEAR(out.auxLoss.value().item(), 0.3 * ref.aux + 0.2 * ref.z, 1e-5);
  EXPECT_EQ(stats.tokensPerExpert, ref.tokensPerExpert);
  EXPECT_EQ(stats.dropped, ref.dropped);
  EXPECT_EQ(stats.assignments, 70);
  if (m.capacityFactor > 0.0f) EXPECT_GT(stats.dropped, 0);
}

// ---- finite differences --------------------------------------------------------------------

TEST_P(MoeModes, OutputGradientsMatchFiniteDifferences) {
  const Mode m = GetParam();
  MoeLayer layer({5, 4, 4}, m.activation, 11);
  MoeOptions o = makeOptions(4, 2, m.normalization, m.activation);
  o.capacityFactor = m.capacityFactor;
  const Tensor x = wellSeparatedInput({2, 4, 5}, layer.params, 2);
  if (m.capacityFactor > 0.0f) {  // the capacity variants must really drop something
    Tape tape(TapeMode::kInference);
    MoeStats stats;
    moeFeedForward(tape, Variable(x), layer.params, o, &stats);
    EXPECT_GT(stats.dropped, 0);
  }
  testing::expectGradientsMatch(layer.arena, {x}, [&](Tape& tape, std::vector<Variable>& in) {
    return moeFeedForward(tape, in[0], layer.params, o).y;
  });
}

TEST_P(MoeModes, AuxLossGradientsMatchFiniteDifferences) {
  const Mode m = GetParam();
  MoeLayer layer({5, 4, 4}, m.activation, 13);
  MoeOptions o = makeOptions(4, 2, m.normalization, m.activation);
  o.capacityFactor = m.capacityFactor;
  o.auxLossCoefficient = 1.0f;  // large, so the check is not lost in the tolerance
  o.zLossCoefficient = 0.5f;
  const Tensor x = wellSeparatedInput({8, 5}, layer.params, 2);
  testing::expectGradientsMatch(layer.arena, {x}, [&](Tape& tape, std::vector<Variable>& in) {
    return moeFeedForward(tape, in[0], layer.params, o).auxLoss;
  });
}

INSTANTIATE_TEST_SUITE_P(Modes, MoeModes, ::testing::ValuesIn(kModes), modeName);

// With both outputs seeded, every gradient is the sum of the two single-output gradients.
TEST(Moe, GradientsOfBothOutputsAdd) {
  MoeLayer layer({6, 8, 4}, ExpertActivation::kGelu, 17);
  MoeOptions o = makeOptions(4, 2, RouterNormalization::kRenormalize, ExpertActivation::kGelu);
  o.auxLossCoefficient = 0.7f;
  const Tensor x = testing::randomTensor({9, 6}, 5);
  const Tensor r = testing::randomTensor({9, 6}, 6);
  enum class Seeded { kOutput, kAuxLoss, kBoth };
  auto run = [&](Seeded seeded, std::vector<float>* params) {
    layer.arena.zeroGrad();
    Variable xv(x, RequiresGrad::kYes);
    Tape tape;
    MoeOutput out = moeFeedForward(tape, xv, layer.params, o);
    if (seeded == Seeded::kBoth) {  // seed the aux loss by hand, then start from y
      GradWrite mode;
      out.auxLoss.gradForWrite(&mode).data()[0] = 2.0f;
    }
    if (seeded == Seeded::kAuxLoss)
      tape.backward(out.auxLoss, Tensor::full({}, 2.0f));
    else
      tape.backward(out.y, r);
    params->assign(layer.arena.grads(), layer.arena.grads() + layer.arena.size());
    return xv.grad().toVector();
  };
  std::vector<float> pY, pAux, pBoth;
  const std::vector<float> dxY = run(Seeded::kOutput, &pY);
  const std::vector<float> dxAux = run(Seeded::kAuxLoss, &pAux);
  const std::vector<float> dxBoth = run(Seeded::kBoth, &pBoth);
  for (std::size_t i = 0; i < dxBoth.size(); ++i) EXPECT_NEAR(dxBoth[i], dxY[i] + dxAux[i], 1e-5) << i;
  for (std::size_t i = 0; i < pBoth.size(); ++i) EXPECT_NEAR(pBoth[i], pY[i] + pAux[i], 1e-5) << i;
  // The aux loss reaches the router only.
  const int64_t routerSize = layer.params.router.numel();
  for (std::size_t i = static_cast<std::size_t>(routerSize); i < pAux.size(); ++i) EXPECT_EQ(pAux[i], 0.0f);
}

TEST(Moe, ParameterGradientsAccumulateAcrossCalls) {
  MoeLayer layer({6, 8, 4}, ExpertActivation::kSwiglu, 19);
  const MoeOptions o = makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kSwiglu);
  const Tensor x = testing::randomTensor({9, 6}, 5);
  const Tensor r = testing::randomTensor({9, 6}, 6);
  layer.arena.zeroGrad();
  std::vector<float> once;
  for (int i = 0; i < 2; ++i) {
    Tape tape;
    MoeOutput out = moeFeedForward(tape, Variable(x, RequiresGrad::kNo), layer.params, o);
    tape.backward(out.y, r);
    if (i == 0) once.assign(layer.arena.grads(), layer.arena.grads() + layer.arena.size());
  }
  for (std::size_t i = 0; i < once.size(); ++i) EXPECT_FLOAT_EQ(layer.arena.grads()[i], 2.0f * once[i]) << i;
}

// ---- auxiliary losses by hand ------------------------------------------------------------

TEST(Moe, UniformRouterGivesAuxLossOneAndLogESquaredZLoss) {
  MoeLayer layer({4, 6, 4}, ExpertActivation::kGelu, 23);
  std::fill(layer.params.router.value(), layer.params.router.value() + layer.params.router.numel(), 0.0f);
  MoeOptions o = makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kGelu);
  o.auxLossCoefficient = 1.0f;
  o.zLossCoefficient = 0.0f;
  const Tensor x = testing::randomTensor({10, 4}, 2);
  Tape tape(TapeMode::kInference);
  MoeStats stats;
  MoeOutput out = moeFeedForward(tape, Variable(x), layer.params, o, &stats);
  // p = 1/4 everywhere: aux = E * sum f_e / E = 1 whatever the (tied, lowest-index) choice.
  EXPECT_NEAR(stats.auxLoss, 1.0, 1e-6);
  EXPECT_NEAR(out.auxLoss.value().item(), 1.0f, 1e-6);
  EXPECT_NEAR(stats.zLoss, std::log(4.0) * std::log(4.0), 1e-6);
  static constexpr int64_t kTiedToLowest[] = {10, 10, 0, 0};  // ties go to the lower index
  expectCounts(stats.tokensPerExpert, kTiedToLowest);
  const Reference ref = reference(x, layer.params, o);
  for (int64_t i = 0; i < x.numel(); ++i)
    EXPECT_NEAR(out.y.value().data()[i], ref.y[static_cast<std::size_t>(i)], 1e-5);
}

TEST(Moe, HandComputedAuxAndZLoss) {
  // D = 1, E = 2, k = 1, W_r = [ln 3, 0]: x = 1 gives p = (3/4, 1/4), x = -1 gives (1/4, 3/4).
  ParameterArena arena;
  MoeParams p;
  p.router = arena.addParameter("router", {2, 1}, Init::zeros());
  p.w1 = arena.addParameter("w1", {2, 1, 1}, Init::ones());
  p.w2 = arena.addParameter("w2", {2, 1, 1}, Init::ones());
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  p.router.value()[0] = std::log(3.0f);
  MoeOptions o = makeOptions(2, 1, RouterNormalization::kNone, ExpertActivation::kGelu);
  o.auxLossCoefficient = 0.5f;
  o.zLossCoefficient = 0.25f;
  Tape tape(TapeMode::kInference);
  MoeStats stats;
  MoeOutput out = moeFeedForward(tape, Variable(Tensor::fromVector({4, 1}, {1, -1, 1, 1})), p, o, &stats);
  // f = (3/4, 1/4), P = ((3 * 3/4 + 1/4) / 4, (3 * 1/4 + 3/4) / 4) = (5/8, 3/8)
  const double aux = 2.0 * (0.75 * 0.625 + 0.25 * 0.375);  // 1.125
  const double z = (3.0 * std::pow(std::log(4.0), 2) + std::pow(std::log(4.0 / 3.0), 2)) / 4.0;
  EXPECT_NEAR(stats.auxLoss, aux, 1e-6);
  EXPECT_NEAR(stats.zLoss, z, 1e-6);
  EXPECT_NEAR(out.auxLoss.value().item(), 0.5 * aux + 0.25 * z, 1e-6);
  static constexpr int64_t kCounts[] = {3, 1};
  expectCounts(stats.tokensPerExpert, kCounts);
  // Both experts are y = gelu(x): y = p_chosen * gelu(x).
  const std::vector<float> y = out.y.value().toVector();
  EXPECT_NEAR(y[0], 0.75 * geluRef(1.0), 1e-6);
  EXPECT_NEAR(y[1], 0.75 * geluRef(-1.0), 1e-6);
}

// ---- capacity ------------------------------------------------------------------------------

TEST(Moe, CapacityKeepsFirstChoicesBeforeSecondChoices) {
  // Tokens 0, 1 prefer experts (1, 0); tokens 2, 3 prefer (0, 2). Capacity
  // ceil(1.0 * 4 * 2 / 4) = 2: expert 0's first choices (tokens 2, 3) win over its
  // second choices (tokens 0, 1), although those come first in token order.
  MoeLayer layer({4, 6, 4}, ExpertActivation::kGelu, 29);
  float* wr = layer.params.router.value();
  std::fill(wr, wr + 16, 0.0f);
  const float typeA[] = {2, 3, 0, 0}, typeB[] = {3, 0, 2, 0};
  for (int e = 0; e < 4; ++e) {
    wr[e * 4 + 0] = typeA[e];
    wr[e * 4 + 1] = typeB[e];
  }
  const Tensor x = Tensor::fromVector({4, 4}, {1, 0, 0.3f, 0, 1, 0, -0.2f, 0, 0, 1, 0, 0.5f, 0, 1, 0, -0.4f});
  MoeOptions o = makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kGelu);
  o.capacityFactor = 1.0f;
  Tape tape;
  MoeStats stats;
  Variable xv(x, RequiresGrad::kYes);
  MoeOutput out = moeFeedForward(tape, xv, layer.params, o, &stats);
  static constexpr int64_t kKept[] = {2, 2, 2, 0};
  expectCounts(stats.tokensPerExpert, kKept);
  EXPECT_EQ(stats.assignments, 8);
  EXPECT_EQ(stats.dropped, 2);

  // Tokens 0 and 1 get expert 1 only; tokens 2 and 3 both of their experts.
  MoeOptions onlyFirst = o;
  onlyFirst.topK = 1;
  onlyFirst.capacityFactor = 0.0f;
  const Reference first = reference(x, layer.params, onlyFirst);
  const Reference full =
      reference(x, layer.params, makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kGelu));
  const Reference capped = reference(x, layer.params, o);
  const std::vector<float> y = out.y.value().toVector();
  for (int64_t j = 0; j < 8; ++j)
    EXPECT_NEAR(y[static_cast<std::size_t>(j)], first.y[static_cast<std::size_t>(j)], 1e-5);
  for (int64_t j = 8; j < 16; ++j)
    EXPECT_NEAR(y[static_cast<std::size_t>(j)], full.y[static_cast<std::size_t>(j)], 1e-5);
  for (int64_t j = 0; j < 16; ++j)
    EXPECT_NEAR(y[static_cast<std::size_t>(j)], capped.y[static_cast<std::size_t>(j)], 1e-5);

  // A dropped assignment sends no gradient to its expert: expert 3 got nothing, and
  // expert 0 sees tokens 2 and 3 only (x[:, 0] is zero there, so dW1_0[:, 0] = 0).
  tape.backward(out.y, testing::randomTensor({4, 4}, 8));
  const int64_t H = 6, D = 4;
  const float* dW1 = layer.params.w1.grad();
  const float* dW2 = layer.params.w2.grad();
  for (int64_t i = 0; i < H * D; ++i) EXPECT_EQ(dW1[3 * H * D + i], 0.0f);
  for (int64_t i = 0; i < D * H; ++i) EXPECT_EQ(dW2[3 * D * H + i], 0.0f);
  for (int64_t h = 0; h < H; ++h) EXPECT_EQ(dW1[h * D + 0], 0.0f) << h;
  bool expert0Touched = false;
  for (int64_t h = 0; h < H; ++h) expert0Touched |= dW1[h * D + 1] != 0.0f;
  EXPECT_TRUE(expert0Touched);
}

// ---- statistics ----------------------------------------------------------------------------

TEST(MoeStats, FractionsCoefficientOfVariationAndMerge) {
  MoeStats a;
  a.tokensPerExpert = {1, 3};
  a.assignments = 6;
  a.dropped = 2;
  a.auxLoss = 1.5;
  a.zLoss = 0.5;
  EXPECT_EQ(a.loadFractions(), (std::vector<double>{0.25, 0.75}));
  EXPECT_DOUBLE_EQ(a.loadCoefficientOfVariation(), 0.5);  // mean 2, std 1

  MoeStats b;
  b.tokensPerExpert = {3, 1};
  b.assignments = 4;
  b.auxLoss = 1.0;
  b.zLoss = 0.25;
  a.merge(b);
  static constexpr int64_t kMerged[] = {4, 4};
  expectCounts(a.tokensPerExpert, kMerged);
  EXPECT_EQ(a.assignments, 10);
  EXPECT_EQ(a.dropped, 2);
  EXPECT_DOUBLE_EQ(a.auxLoss, 2.5);
  EXPECT_DOUBLE_EQ(a.zLoss, 0.75);
  EXPECT_DOUBLE_EQ(a.loadCoefficientOfVariation(), 0.0);

  MoeStats empty;
  EXPECT_DOUBLE_EQ(empty.loadCoefficientOfVariation(), 0.0);
  EXPECT_TRUE(empty.loadFractions().empty());
  empty.merge(a);
  EXPECT_EQ(empty.tokensPerExpert, a.tokensPerExpert);

  MoeStats three;
  three.tokensPerExpert = {1, 1, 1};
  EXPECT_THROW(a.merge(three), std::invalid_argument);
}

TEST(Moe, StatsAccumulateOverCalls) {
  MoeLayer layer({4, 6, 4}, ExpertActivation::kGelu, 31);
  const MoeOptions o = makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kGelu);
  const Tensor x = testing::randomTensor({10, 4}, 2);
  Tape tape(TapeMode::kInference);
  MoeStats once, twice;
  moeFeedForward(tape, Variable(x), layer.params, o, &once);
  moeFeedForward(tape, Variable(x), layer.params, o, &twice);
  moeFeedForward(tape, Variable(x), layer.params, o, &twice);
  EXPECT_EQ(once.assignments, 20);
  EXPECT_EQ(twice.assignments, 40);
  for (std::size_t e = 0; e < 4; ++e) EXPECT_EQ(twice.tokensPerExpert[e], 2 * once.tokensPerExpert[e]);
  EXPECT_DOUBLE_EQ(twice.auxLoss, 2 * once.auxLoss);
}

// ---- the dense limit ---------------------------------------------------------------------

TEST(Moe, AllExpertsRenormalizedAndIdenticalEqualADenseFeedForward) {
  const int64_t D = 8, H = 16, E = 4;
  ParameterArena arena;
  MoeParams p;
  p.router = arena.addParameter("router", {E, D}, Init::normal(1.0f));
  p.w1 = arena.addParameter("w1", {E, H, D}, Init::fanIn(D));
  p.w2 = arena.addParameter("w2", {E, D, H}, Init::fanIn(H));
  ParamView denseW1 = arena.addParameter("dense_w1", {H, D}, Init::fanIn(D));
  ParamView denseW2 = arena.addParameter("dense_w2", {D, H}, Init::fanIn(H));
  RngStream rng(37, RngPurpose::kInit);
  arena.allocate(rng);
  for (int64_t e = 0; e < E; ++e) {
    std::copy(denseW1.value(), denseW1.value() + H * D, p.w1.value() + e * H * D);
    std::copy(denseW2.value(), denseW2.value() + D * H, p.w2.value() + e * D * H);
  }
  const MoeOptions o = makeOptions(E, E, RouterNormalization::kRenormalize, ExpertActivation::kGelu);
  const Tensor x = testing::randomTensor({3, 5, D}, 4);
  Tape tape(TapeMode::kInference);
  const Variable moe = moeFeedForward(tape, Variable(x), p, o).y;
  const Variable dense =
      linear(tape, linear(tape, Variable(x), denseW1, ParamView(), FusedActivation::kGelu), denseW2, ParamView());
  ASSERT_EQ(moe.shape(), dense.shape());
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_NEAR(moe.value().data()[i], dense.value().data()[i], 1e-5) << i;
}

// ---- determinism ---------------------------------------------------------------------------

struct RunBits {
  std::vector<float> y, dx, grads;
  float aux = 0.0f;
};

RunBits runOnce(MoeLayer& layer, const MoeOptions& o, const Tensor& x, const Tensor& r, int threads) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  layer.arena.zeroGrad();
  Variable xv(x, RequiresGrad::kYes);
  Tape tape;
  MoeOutput out = moeFeedForward(tape, xv, layer.params, o);
  GradWrite mode;
  out.auxLoss.gradForWrite(&mode).data()[0] = 1.0f;
  tape.backward(out.y, r);
  omp_set_num_threads(saved);
  return {out.y.value().toVector(), xv.grad().toVector(),
          std::vector<float>(layer.arena.grads(), layer.arena.grads() + layer.arena.size()),
          out.auxLoss.value().item()};
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Moe, BitIdenticalAcrossRunsAndThreadCounts) {
  for (ExpertActivation act : {ExpertActivation::kGelu, ExpertActivation::kSwiglu}) {
    // Several row blocks per expert, several token blocks, and a capacity limit.
    MoeLayer layer({24, 40, 4}, act, 41);
    MoeOptions o = makeOptions(4, 2, RouterNormalization::kRenormalize, act);
    o.capacityFactor = 1.1f;
    const Tensor x = testing::randomTensor({700, 24}, 9);
    const Tensor r = testing::randomTensor({700, 24}, 10);
    const RunBits a = runOnce(layer, o, x, r, 2);
    const RunBits b = runOnce(layer, o, x, r, 2);
    const RunBits one = runOnce(layer, o, x, r, 1);
    const RunBits three = runOnce(layer, o, x, r, 3);
    for (const RunBits* other : {&b, &one, &three}) {
      EXPECT_TRUE(sameBits(a.y, other->y));
      EXPECT_TRUE(sameBits(a.dx, other->dx));
      EXPECT_TRUE(sameBits(a.grads, other->grads));
      EXPECT_EQ(std::memcmp(&a.aux, &other->aux, sizeof(float)), 0);
    }
  }
}

TEST(Moe, InferenceRecordsNothingAndMatchesTraining) {
  MoeLayer layer({6, 8, 4}, ExpertActivation::kGelu, 43);
  const MoeOptions o = makeOptions(4, 2, RouterNormalization::kNone, ExpertActivation::kGelu);
  const Tensor x = testing::randomTensor({9, 6}, 5);
  Tape inference(TapeMode::kInference), training;
  const MoeOutput a = moeFeedForward(inference, Variable(x), layer.params, o);
  const MoeOutput b = moeFeedForward(training, Variable(x), layer.params, o);
  EXPECT_EQ(inference.size(), 0u);
  EXPECT_EQ(training.size(), 1u);
  EXPECT_TRUE(sameBits(a.y.value().toVector(), b.y.value().toVector()));
}

// ---- validation ----------------------------------------------------------------------------

void expectInvalid(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one containing '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Moe, RejectsBadOptionsAndShapes) {
  MoeLayer two({4, 6, 2}, ExpertActivation::kGelu, 47);
  const Variable x(testing::randomTensor({3, 4}, 1));
  auto call = [&](const MoeParams& p, const MoeOptions& o, const Variable& in) {
    return [p, o, in] {
      Tape tape;
      moeFeedForward(tape, in, p, o);
    };
  };
  MoeOptions o = makeOptions(2, 3, RouterNormalization::kNone, ExpertActivation::kGelu);
  expectInvalid(call(two.params, o, x), "moe: top-k 3 > 2 experts");
  o.topK = 0;
  expectInvalid(call(two.params, o, x), "moe: top-k 0 < 1");
  o = makeOptions(0, 1, RouterNormalization::kNone, ExpertActivation::kGelu);
  expectInvalid(call(two.params, o, x), "moe: 0 experts");
  o = makeOptions(2, 1, RouterNormalization::kNone, ExpertActivation::kGelu);
  o.capacityFactor = -0.5f;
  expectInvalid(call(two.params, o, x), "capacity factor -0.5");
  o = makeOptions(3, 1, RouterNormalization::kNone, ExpertActivation::kGelu);
  expectInvalid(call(two.params, o, x), "moe: router [2, 4], expected [3, D]");
  o = makeOptions(2, 1, RouterNormalization::kNone, ExpertActivation::kSwiglu);
  expectInvalid(call(two.params, o, x), "moe: w1 [2, 6, 4], expected [2, 12, 4]");
  o = makeOptions(2, 1, RouterNormalization::kNone, ExpertActivation::kGelu);
  expectInvalid(call(two.params, o, Variable(testing::randomTensor({3, 5}, 1))), "input [3, 5] does not end in");
}

}  // namespace
}  // namespace gaplab
