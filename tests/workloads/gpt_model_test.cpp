// tests/workloads/gpt_model_test.cpp — GptModel: parameter counts and FLOPs (dense, tied, MoE), shapes, spec validation, variants, finite differences of the loss.
#include "workloads/gpt_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops/add.h"
#include "core/ops/cross_entropy.h"
#include "core/ops/embedding.h"
#include "core/rng.h"
#include "tests/core/autograd/gradient_ready_check.h"
#include "tests/core/ops/grad_check.h"

namespace gaplab {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Builds a model and allocates its arena from `seed`.
struct Built {
  ParameterArena arena;
  std::unique_ptr<GptModel> model;
  Built(const GptSpec& spec, uint64_t seed = 1) {
    model = std::make_unique<GptModel>(arena, spec);
    RngStream rng(seed, RngPurpose::kInit);
    arena.allocate(rng);
  }
};

// Tokens in [0, limit), deterministic.
std::vector<int32_t> randomTokens(int64_t n, int64_t limit, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic, 3);
  std::vector<int32_t> t(static_cast<std::size_t>(n));
  for (auto& v : t) v = static_cast<int32_t>(rng.below(static_cast<uint64_t>(limit)));
  return t;
}

// Mean cross-entropy of next tokens (+ the MoE auxiliary loss), as LmWorkload trains.
Variable lmLoss(Tape& tape, GptModel& model, const std::vector<int32_t>& inputs, const std::vector<int32_t>& targets,
                int64_t batch, int64_t length) {
  GptModel::Output out = model.forward(tape, inputs, batch, length, ForwardContext{NormMode::kTrain, 0, 0});
  Variable loss = softmaxCrossEntropy(tape, out.logits, targets);
  return out.auxLoss.defined() ? add(tape, loss, out.auxLoss) : loss;
}

int64_t countOf(const ParameterArena& arena, const std::string& name) {
  for (const ParamInfo& p : arena.params())
    if (p.name == name) return p.numel;
  return -1;
}

constexpr int64_t kVocab = 256, kWidth = 128, kContext = 128, kLayers = 4, kHidden = 4 * kWidth;

TEST(GptModel, ReferenceModelHasPyTorchsParameterCount) {
  Built b{GptSpec{}};
  const GptCounts c = b.model->counts();
  EXPECT_EQ(c.total, 875264);  // the PyTorch reference GPT (bench/) counts the same
  EXPECT_EQ(b.arena.size(), 875264);
  EXPECT_EQ(c.nonEmbedding, 875264 - kVocab * kWidth - kContext * kWidth);
  EXPECT_EQ(c.active, c.total);
  EXPECT_EQ(c.activeNonEmbedding, c.nonEmbedding);
  EXPECT_DOUBLE_EQ(c.flopsPerToken,
                   6.0 * static_cast<double>(c.nonEmbedding) + 6.0 * static_cast<double>(kLayers * kContext * kWidth));
  EXPECT_EQ(countOf(b.arena, "head.weight"), kVocab * kWidth);
  EXPECT_EQ(countOf(b.arena, "block0.norm1.bias"), kWidth);
  EXPECT_TRUE(contains(b.model->describe(), "875264 parameters")) << b.model->describe();
}

TEST(GptModel, TiedEmbeddingsDropTheHead) {
  GptSpec spec;
  spec.tied = TiedEmbeddings::kYes;
  Built b{spec};
  const GptCounts c = b.model->counts();
  EXPECT_EQ(c.total, 875264 - kVocab * kWidth);
  EXPECT_EQ(countOf(b.arena, "head.weight"), -1);
  EXPECT_EQ(c.nonEmbedding, c.total - kVocab * kWidth - kContext * kWidth);
  // The head's matrix product still costs FLOPs per token.
  EXPECT_DOUBLE_EQ(c.flopsPerToken, 6.0 * static_cast<double>(c.nonEmbedding + kVocab * kWidth) +
                                        6.0 * static_cast<double>(kLayers * kContext * kWidth));
}

// Tied: the token embedding is also the output head, so every row gets a gradient
// through the softmax, also rows of tokens absent from the input. Untied: only the
// rows of tokens present in the input are touched.
TEST(GptModel, TiedTokenEmbeddingReceivesTheHeadGradient) {
  const int64_t batch = 2, length = 8, present = 10;
  std::vector<int32_t> inputs(static_cast<std::size_t>(batch * length));
  for (std::size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<int32_t>((i * 7) % present);  // all of 0..9
  const std::vector<int32_t> targets = randomTokens(batch * length, present, 5);
  for (const TiedEmbeddings tied : {TiedEmbeddings::kNo, TiedEmbeddings::kYes}) {
    GptSpec spec;
    spec.layers = 1;
    spec.width = 32;
    spec.heads = 2;
    spec.context = 16;
    spec.tied = tied;
    Built b{spec};
    Tape tape;
    b.arena.zeroGrad();
    Variable loss = lmLoss(tape, *b.model, inputs, targets, batch, length);
    tape.backward(loss);
    const ParamInfo* emb = nullptr;
    for (const ParamInfo& p : b.arena.params())
      if (p.name == "tok_emb") emb = &p;
    ASSERT_NE(emb, nullptr);
    const float* g = b.arena.grads() + emb->offset;
    auto rowNorm = [&](int64_t row) {
      double s = 0;
      for (int64_t j = 0; j < spec.width; ++j) s += std::abs(g[row * spec.width + j]);
      return s;
    };
    for (int64_t row = 0; row < present; ++row) EXPECT_GT(rowNorm(row), 0.0) << "present token " << row;
    for (const int64_t row : {present, int64_t{100}, int64_t{255}}) {
      if (tied == TiedEmbeddings::kYes)
        EXPECT_GT(rowNorm(row), 1e-6) << "tied, absent token " << row;
      else
        EXPECT_EQ(rowNorm(row), 0.0) << "untied, absent token " << row;
    }
  }
}

TEST(GptModel, MoeCountsAllExpertsInTotalAndTopKInActive) {
  GptSpec spec;
  spec.moeEvery = 1;
  spec.moe.experts = 8;
  spec.moe.topK = 2;
  Built b{spec};
  const GptCounts c = b.model->counts();
  const int64_t denseFfn = (kHidden * kWidth + kHidden) + (kWidth * kHidden + kWidth);  // fc1, fc2 with biases
  const int64_t perExpert = kHidden * kWidth + kWidth * kHidden;                      // w1, w2 (no biases)
  const int64_t router = 8 * kWidth;
  EXPECT_EQ(c.total, 875264 + kLayers * (8 * perExpert + router - denseFfn));
  EXPECT_EQ(c.total, 4546816);
  EXPECT_EQ(countOf(b.arena, "block3.moe.w1"), 8 * kHidden * kWidth);
  EXPECT_EQ(countOf(b.arena, "block3.moe.w2"), 8 * kWidth * kHidden);
  EXPECT_EQ(countOf(b.arena, "block0.mlp.fc1.weight"), -1);
  EXPECT_EQ(c.active, c.total - kLayers * 6 * perExpert);
  EXPECT_EQ(c.nonEmbedding, c.total - kVocab * kWidth - kContext * kWidth);
  EXPECT_EQ(c.activeNonEmbedding, c.nonEmbedding - kLayers * 6 * perExpert);
  EXPECT_DOUBLE_EQ(c.flopsPerToken, 6.0 * static_cast<double>(c.activeNonEmbedding) +
                                        6.0 * static_cast<double>(kLayers * kContext * kWidth));
  EXPECT_TRUE(contains(b.model->describe(), "MoE 8 experts top-2")) << b.model->describe();
}

TEST(GptModel, MoeEverySecondBlockReplacesOnlyThoseFeedForwards) {
  GptSpec spec;
  spec.moeEvery = 2;
  Built b{spec};
  EXPECT_GT(countOf(b.arena, "block0.mlp.fc1.weight"), 0);
  EXPECT_GT(countOf(b.arena, "block1.moe.w1"), 0);
  EXPECT_GT(countOf(b.arena, "block2.mlp.fc1.weight"), 0);
  EXPECT_GT(countOf(b.arena, "block3.moe.w1"), 0);
  EXPECT_EQ(countOf(b.arena, "block0.moe.w1"), -1);
}

TEST(GptModel, ForwardGivesFiniteLogitsOfShapeBatchLengthVocab) {
  Built b{GptSpec{}};
  const int64_t batch = 3, length = 20;
  Tape tape(TapeMode::kInference);
  GptModel::Output out = b.model->forward(tape, randomTokens(batch * length, kVocab, 9), batch, length,
                                          ForwardContext{NormMode::kEval, 0, 0});
  ASSERT_EQ(out.logits.shape(), (Shape{batch, length, kVocab}));  // B * T rows of vocab logits
  const float* v = out.logits.value().data();
  for (int64_t i = 0; i < out.logits.value().numel(); ++i) ASSERT_TRUE(std::isfinite(v[i])) << i;
  EXPECT_FALSE(out.auxLoss.defined());  // dense: no auxiliary loss
  // A fresh model predicts bytes almost uniformly: the loss is close to log(256).
  CrossEntropyStats stats;
  softmaxCrossEntropy(tape, out.logits, randomTokens(batch * length, kVocab, 10), 0.0f, &stats);
  EXPECT_NEAR(stats.lossSum / static_cast<double>(stats.rows), std::log(256.0), 0.1);
}

TEST(GptModel, MoeForwardHasAnAuxiliaryLossAndRoutingStatistics) {
  GptSpec spec;
  spec.layers = 2;
  spec.width = 32;
  spec.heads = 2;
  spec.context = 16;
  spec.moeEvery = 1;
  spec.moe.experts = 4;
  spec.moe.topK = 2;
  Built b{spec};
  Tape tape(TapeMode::kInference);
  GptModel::Output out =
      b.model->forward(tape, randomTokens(32, kVocab, 2), 2, 16, ForwardContext{NormMode::kEval, 0, 0});
  ASSERT_TRUE(out.auxLoss.defined());
  EXPECT_TRUE(std::isfinite(out.auxLoss.value().item()));
  EXPECT_GT(out.auxLoss.value().item(), 0.0f);
  EXPECT_EQ(out.moeStats.assignments, 2 * 32 * 2);  // both blocks merged: layers * tokens * top-k
  ASSERT_EQ(out.moeStats.tokensPerExpert.size(), 4u);
}

TEST(GptModel, SequenceLongerThanTheContextThrows) {
  GptSpec spec;
  spec.layers = 1;
  spec.width = 16;
  spec.heads = 2;
  spec.context = 8;
  Built b{spec};
  Tape tape(TapeMode::kInference);
  try {
    b.model->forward(tape, randomTokens(9, kVocab, 1), 1, 9, ForwardContext{NormMode::kEval, 0, 0});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "context")) << e.what();
    EXPECT_TRUE(contains(e.what(), "8")) << e.what();
  }
  // Exactly the context is fine, and so is shorter.
  EXPECT_NO_THROW(b.model->forward(tape, randomTokens(8, kVocab, 1), 1, 8, ForwardContext{NormMode::kEval, 0, 0}));
  EXPECT_NO_THROW(b.model->forward(tape, randomTokens(3, kVocab, 1), 1, 3, ForwardContext{NormMode::kEval, 0, 0}));
  EXPECT_THROW(b.model->forward(tape, randomTokens(7, kVocab, 1), 1, 8, ForwardContext{NormMode::kEval, 0, 0}),
               std::invalid_argument);  // tokens do not fill [1, 8]
}

// Device tokens (the staged batch of CUDA graphs) need the model on cuda; on the
// cpu they are refused before anything is read, in every build.
TEST(GptModel, DeviceTokensNeedTheModelOnCuda) {
  GptSpec spec;
  spec.layers = 1;
  spec.width = 8;
  spec.heads = 2;
  spec.context = 8;
  Built b{spec};
  EXPECT_TRUE(b.model->deviceTokensSupported());
  Tape tape;
  const std::vector<int32_t> tokens = randomTokens(8, kVocab, 1);
  try {
    b.model->forward(tape, tokens.data(), 1, 8, ForwardContext{NormMode::kTrain, 0, 0});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "cuda")) << e.what();
  }
  EXPECT_EQ(tape.size(), 0u);
  // Tables above the device-ids embedding's rows: only host ids.
  spec.context = kMaxDeviceIdsEmbeddingRows + 1;
  ParameterArena layout;  // never allocated
  EXPECT_FALSE(GptModel(layout, spec).deviceTokensSupported());
}

TEST(GptModel, ValidateRejectsHeadsNotDividingWidthAndTopKAboveExperts) {
  GptSpec spec;
  spec.heads = 3;
  try {
    spec.validate();
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "heads")) << e.what();
  }
  ParameterArena arena;
  EXPECT_THROW(GptModel(arena, spec), std::invalid_argument);

  GptSpec moe;
  moe.moeEvery = 1;
  moe.moe.experts = 8;
  moe.moe.topK = 9;
  try {
    moe.validate();
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "top_k")) << e.what();
  }
  moe.moe.topK = 8;
  EXPECT_NO_THROW(moe.validate());
  // top_k is only checked where there are experts.
  GptSpec dense;
  dense.moe.topK = 9;
  EXPECT_NO_THROW(dense.validate());
}

TEST(GptModel, RmsNormSwigluVariantRunsForwardAndBackward) {
  GptSpec spec;
  spec.layers = 2;
  spec.width = 32;
  spec.heads = 4;
  spec.context = 16;
  spec.norm = NormKind::kRmsNorm;
  spec.activation = FfnActivation::kSwiglu;
  Built b{spec};
  // RMSNorm has no bias; SwiGLU's first projection holds gate and up rows.
  EXPECT_EQ(countOf(b.arena, "block0.norm1.bias"), -1);
  EXPECT_EQ(countOf(b.arena, "final_norm.bias"), -1);
  EXPECT_EQ(countOf(b.arena, "block0.mlp.fc1.weight"), 2 * spec.hidden() * spec.width);
  EXPECT_EQ(countOf(b.arena, "block0.mlp.fc2.weight"), spec.width * spec.hidden());
  const int64_t batch = 2, length = 16;
  Tape tape;
  b.arena.zeroGrad();
  Variable loss = lmLoss(tape, *b.model, randomTokens(batch * length, kVocab, 6), randomTokens(batch * length, kVocab, 7),
                         batch, length);
  ASSERT_TRUE(std::isfinite(loss.value().item()));
  tape.backward(loss);
  for (const ParamInfo& p : b.arena.params()) {
    double s = 0;
    bool finite = true;
    for (int64_t i = 0; i < p.numel; ++i) {
      const float g = b.arena.grads()[p.offset + i];
      finite = finite && std::isfinite(g);
      s += std::abs(g);
    }
    EXPECT_TRUE(finite) << p.name;
    EXPECT_GT(s, 0.0) << p.name;
  }
}

// ---- finite differences of the whole model's loss ---------------------------------------

GptSpec tinySpec() {
  GptSpec s;
  s.layers = 1;
  s.width = 8;
  s.heads = 2;
  s.context = 4;
  s.vocab = 11;
  return s;
}

// Replaces the GPT-2 initialisation (std 0.02, tiny gradients) by values of order
// one, so that every gradient is well above the finite-difference noise.
void spreadParameters(ParameterArena& arena, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic, 11);
  for (const ParamInfo& p : arena.params()) {
    const bool gain = p.name.find("norm") != std::string::npos && p.name.find("weight") != std::string::npos;
    for (int64_t i = 0; i < p.numel; ++i)
      arena.values()[p.offset + i] = (gain ? 1.0f : 0.0f) + 0.4f * rng.normal();
  }
}

void checkWholeModelGradient(const GptSpec& spec, uint64_t seed) {
  Built b{spec, seed};
  spreadParameters(b.arena, seed);
  const int64_t batch = 2, length = 4;
  const std::vector<int32_t> inputs = randomTokens(batch * length, spec.vocab, seed + 100);
  const std::vector<int32_t> targets = randomTokens(batch * length, spec.vocab, seed + 200);
  // The analytic gradient must be far from zero, or agreement would prove nothing.
  {
    Tape tape;
    b.arena.zeroGrad();
    Variable loss = lmLoss(tape, *b.model, inputs, targets, batch, length);
    tape.backward(loss);
    double largest = 0;
    for (int64_t i = 0; i < b.arena.size(); ++i) largest = std::max(largest, std::abs(double(b.arena.grads()[i])));
    EXPECT_GT(largest, 0.05);
  }
  testing::GradCheckOptions options;
  options.eps = 2e-3f;
  options.absTol = 5e-4;
  options.relTol = 1e-2;
  testing::expectGradientsMatch(b.arena, {}, [&](Tape& tape, std::vector<Variable>&) {
    return lmLoss(tape, *b.model, inputs, targets, batch, length);
  }, options);
}

TEST(GptModel, DenseLossGradientMatchesFiniteDifferences) { checkWholeModelGradient(tinySpec(), 3); }

TEST(GptModel, TiedRmsSwigluLossGradientMatchesFiniteDifferences) {
  GptSpec spec = tinySpec();
  spec.tied = TiedEmbeddings::kYes;
  spec.norm = NormKind::kRmsNorm;
  spec.activation = FfnActivation::kSwiglu;
  checkWholeModelGradient(spec, 3);
}

TEST(GptModel, MoeLossGradientMatchesFiniteDifferences) {
  GptSpec spec = tinySpec();
  spec.moeEvery = 1;
  spec.moe.experts = 4;
  spec.moe.topK = 2;
  spec.moe.auxLossCoefficient = 0.1f;
  spec.moe.zLossCoefficient = 0.01f;
  // Routing is stable under the perturbation for this seed (checked for seeds 1 to 11).
  checkWholeModelGradient(spec, 3);
}

// Every op of the model declares its parameters: with the gradient-ready
// observer, each parameter is reported once and its gradient is final then
// (dense, tied embeddings with RMSNorm + SwiGLU, and MoE blocks).
TEST(GptModel, GradientReadyReportsEveryParameterOnceWithItsFinalGradient) {
  std::vector<GptSpec> specs(3);
  for (GptSpec& s : specs) {
    s.layers = 2;
    s.width = 16;
    s.heads = 2;
    s.context = 8;
    s.vocab = 32;
  }
  specs[1].tied = TiedEmbeddings::kYes;
  specs[1].norm = NormKind::kRmsNorm;
  specs[1].activation = FfnActivation::kSwiglu;
  specs[2].moeEvery = 1;
  specs[2].moe.experts = 4;
  specs[2].moe.topK = 2;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE("spec " + std::to_string(i));
    Built b{specs[i]};
    Tape tape;
    const std::vector<int32_t> tokens = randomTokens(2 * 8, 32, 1), targets = randomTokens(2 * 8, 32, 2);
    Variable loss = lmLoss(tape, *b.model, tokens, targets, 2, 8);
    testing::FinalGradientCheck check(b.arena);
    tape.backward(loss, &check);
    check.expectAllFinal();
    // Parameters are laid out in order of first use, so backward reports them in
    // descending index (an op that forgot to declare its parameters would have
    // them reported at the end); the two embeddings may come in either order.
    std::vector<int> order;
    for (int p : check.order())
      if (p >= 2) order.push_back(p);
    ASSERT_EQ(order.size(), b.arena.params().size() - 2);
    for (std::size_t k = 0; k < order.size(); ++k)
      EXPECT_EQ(order[k], static_cast<int>(b.arena.params().size() - 1 - k)) << b.arena.param(order[k]).name;
  }
}

}  // namespace
}  // namespace gaplab
