// workloads/gpt_model.cpp — see gpt_model.h.
#include "workloads/gpt_model.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/device_memory.h"
#include "core/nn/dropout_layer.h"
#include "core/ops/add.h"
#include "core/ops/attention.h"
#include "core/ops/embedding.h"
#include "core/ops/layer_norm.h"
#include "core/ops/linear.h"
#include "core/ops/swiglu.h"

namespace gaplab {
namespace {

constexpr float kInitStd = 0.02f;  // GPT-2 initialisation

std::string fieldError(const std::string& field, const std::string& problem) {
  return "gpt model: " + field + ": " + problem;
}

}  // namespace

void GptSpec::validate() const {
  auto require = [](bool ok, const std::string& field, const std::string& problem) {
    if (!ok) throw std::invalid_argument(fieldError(field, problem));
  };
  require(vocab >= 2, "vocab", std::to_string(vocab) + " < 2");
  require(context >= 1, "context", std::to_string(context) + " < 1");
  require(layers >= 1, "layers", std::to_string(layers) + " < 1");
  require(width >= 1, "width", std::to_string(width) + " < 1");
  require(heads >= 1 && width % heads == 0, "heads",
          std::to_string(heads) + " heads do not divide the width " + std::to_string(width));
  require(mlpRatio > 0, "mlp_ratio", "must be > 0");
  if (moeEvery > 0) {
    require(moe.experts >= 1, "experts", std::to_string(moe.experts) + " < 1");
    require(moe.topK >= 1 && moe.topK <= moe.experts, "top_k",
            "top-k " + std::to_string(moe.topK) + " must be between 1 and the " + std::to_string(moe.experts) +
                " experts");
  }
}

GptModel::GptModel(ParameterArena& arena, const GptSpec& spec) : spec_(spec), arena_(arena) {
  spec_.validate();
  const int64_t d = spec_.width, h = spec_.hidden();
  const Init weight = Init::normal(kInitStd);
  // Residual projections scaled by 1/sqrt(2 * layers), as GPT-2 does.
  const Init residual = Init::normal(kInitStd / std::sqrt(2.0f * static_cast<float>(spec_.layers)));
  tokenEmbedding_ = arena.addParameter("tok_emb", {spec_.vocab, d}, weight, WeightDecay::kSkip);
  positionEmbedding_ = arena.addParameter("pos_emb", {spec_.context, d}, weight, WeightDecay::kSkip);
  const bool layerNorm = spec_.norm == NormKind::kLayerNorm;
  const int64_t ffnIn = spec_.activation == FfnActivation::kSwiglu ? 2 * h : h;
  for (int64_t l = 0; l < spec_.layers; ++l) {
    const std::string p = "block" + std::to_string(l) + ".";
    Block b;
    b.norm1Gain = arena.addParameter(p + "norm1.weight", {d}, Init::ones(), WeightDecay::kSkip);
    if (layerNorm) b.norm1Bias = arena.addParameter(p + "norm1.bias", {d}, Init::zeros(), WeightDecay::kSkip);
    b.qkvWeight = arena.addParameter(p + "attn.qkv.weight", {3 * d, d}, weight);
    b.qkvBias = arena.addParameter(p + "attn.qkv.bias", {3 * d}, Init::zeros(), WeightDecay::kSkip);
    b.projWeight = arena.addParameter(p + "attn.proj.weight", {d, d}, residual);
    b.projBias = arena.addParameter(p + "attn.proj.bias", {d}, Init::zeros(), WeightDecay::kSkip);
    b.norm2Gain = arena.addParameter(p + "norm2.weight", {d}, Init::ones(), WeightDecay::kSkip);
    if (layerNorm) b.norm2Bias = arena.addParameter(p + "norm2.bias", {d}, Init::zeros(), WeightDecay::kSkip);
    b.moeBlock = spec_.isMoeBlock(l);
    if (b.moeBlock) {
      const int64_t e = spec_.moe.experts;
      b.moe.router = arena.addParameter(p + "moe.router.weight", {e, d}, weight);
      b.moe.w1 = arena.addParameter(p + "moe.w1", {e, ffnIn, d}, weight);
      b.moe.w2 = arena.addParameter(p + "moe.w2", {e, d, h}, residual);
    } else {
      b.fc1Weight = arena.addParameter(p + "mlp.fc1.weight", {ffnIn, d}, weight);
      b.fc1Bias = arena.addParameter(p + "mlp.fc1.bias", {ffnIn}, Init::zeros(), WeightDecay::kSkip);
      b.fc2Weight = arena.addParameter(p + "mlp.fc2.weight", {d, h}, residual);
      b.fc2Bias = arena.addParameter(p + "mlp.fc2.bias", {d}, Init::zeros(), WeightDecay::kSkip);
    }
    blocks_.push_back(b);
  }
  finalGain_ = arena.addParameter("final_norm.weight", {d}, Init::ones(), WeightDecay::kSkip);
  if (layerNorm) finalBias_ = arena.addParameter("final_norm.bias", {d}, Init::zeros(), WeightDecay::kSkip);
  if (spec_.tied == TiedEmbeddings::kNo) head_ = arena.addParameter("head.weight", {spec_.vocab, d}, weight);
}

Variable GptModel::norm(Tape& tape, const Variable& x, const ParamView& gain, const ParamView& bias) const {
  return spec_.norm == NormKind::kLayerNorm ? layerNorm(tape, x, gain, bias) : rmsNorm(tape, x, gain);
}

void GptModel::checkLength(int64_t length) const {
  if (length < 1 || length > spec_.context)
    throw std::invalid_argument("gpt model: sequence length " + std::to_string(length) +
                                " exceeds the model's context of " + std::to_string(spec_.context));
}

bool GptModel::deviceTokensSupported() const {
  return spec_.vocab <= kMaxDeviceIdsEmbeddingRows && spec_.context <= kMaxDeviceIdsEmbeddingRows;
}

GptModel::Output GptModel::forward(Tape& tape, const std::vector<int32_t>& tokens, int64_t batch, int64_t length,
                                   const ForwardContext& context) {
  checkLength(length);
  if (static_cast<int64_t>(tokens.size()) != batch * length)
    throw std::invalid_argument("gpt model: " + std::to_string(tokens.size()) + " tokens for a [" +
                                std::to_string(batch) + ", " + std::to_string(length) + "] batch");
  if (arena_.device() == Device::kCuda && deviceTokensSupported()) {
    // Checked here as the host-ids embedding would, then uploaded once; the op
    // holds the upload until its backward.
    for (std::size_t t = 0; t < tokens.size(); ++t)
      if (tokens[t] < 0 || tokens[t] >= spec_.vocab)
        throw std::out_of_range("embedding '" + tokenEmbedding_.info().name + "': id " + std::to_string(tokens[t]) +
                                " at position " + std::to_string(t) + " is out of range for V = " +
                                std::to_string(spec_.vocab));
    std::shared_ptr<void> deviceTokens = allocateDeviceBytes(tokens.size() * sizeof(int32_t));
    copyHostToDevice(deviceTokens.get(), tokens.data(), tokens.size() * sizeof(int32_t));
    const auto* ids = static_cast<const int32_t*>(deviceTokens.get());
    return forward(tape, ids, batch, length, context, std::move(deviceTokens));
  }
  const int64_t n = batch * length;
  std::vector<int32_t> positions(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = static_cast<int32_t>(i % length);
  Variable x = add(tape, embedding(tape, tokens, {batch, length}, tokenEmbedding_),
                   embedding(tape, positions, {batch, length}, positionEmbedding_));
  return forwardEmbedded(tape, x, context);
}

const int32_t* GptModel::devicePositions(int64_t batch, int64_t length) {
  std::shared_ptr<void>& buffer = positionIds_[{batch, length}];
  if (!buffer) {
    const int64_t n = batch * length;
    std::vector<int32_t> positions(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) positions[static_cast<std::size_t>(i)] = static_cast<int32_t>(i % length);
    try {
      std::shared_ptr<void> fresh = allocateDeviceBytes(positions.size() * sizeof(int32_t));
      copyHostToDevice(fresh.get(), positions.data(), positions.size() * sizeof(int32_t));
      buffer = std::move(fresh);
    } catch (...) {
      positionIds_.erase({batch, length});  // e.g. refused inside a capture: no empty entry left behind
      throw;
    }
  }
  return static_cast<const int32_t*>(buffer.get());
}

GptModel::Output GptModel::forward(Tape& tape, const int32_t* deviceTokens, int64_t batch, int64_t length,
                                   const ForwardContext& context, std::shared_ptr<const void> keepAlive) {
  checkLength(length);
  if (batch < 1) throw std::invalid_argument("gpt model: batch " + std::to_string(batch) + " < 1");
  if (arena_.device() != Device::kCuda)
    throw std::invalid_argument("gpt model: device tokens need the model on cuda (its arena is on " +
                                toString(arena_.device()) + ")");
  if (!deviceTokensSupported())
    throw std::invalid_argument("gpt model: device tokens need vocab and context <= " +
                                std::to_string(kMaxDeviceIdsEmbeddingRows) + " (vocab " + std::to_string(spec_.vocab) +
                                ", context " + std::to_string(spec_.context) + ")");
  const int32_t* positions = devicePositions(batch, length);
  Variable x = add(tape, embedding(tape, deviceTokens, {batch, length}, tokenEmbedding_, std::move(keepAlive)),
                   embedding(tape, positions, {batch, length}, positionEmbedding_));
  return forwardEmbedded(tape, x, context);
}

GptModel::Output GptModel::forwardEmbedded(Tape& tape, Variable x, const ForwardContext& context) {
  Output out;
  uint64_t dropoutIndex = 0;
  auto maybeDropout = [&](const Variable& v) {
    if (spec_.dropout <= 0.0f) return v;
    return DropoutLayer(spec_.dropout, dropoutIndex++).forward(tape, v, context);
  };
  for (const Block& b : blocks_) {
    Variable a = norm(tape, x, b.norm1Gain, b.norm1Bias);
    Variable qkv = linear(tape, a, b.qkvWeight, b.qkvBias);
    Variable att = causalSelfAttention(tape, qkv, spec_.heads);
    x = add(tape, x, maybeDropout(linear(tape, att, b.projWeight, b.projBias)));
    Variable z = norm(tape, x, b.norm2Gain, b.norm2Bias);
    Variable f;
    if (b.moeBlock) {
      MoeStats stats;
      MoeOutput mo = moeFeedForward(tape, z, b.moe, spec_.moe, &stats);
      f = mo.y;
      out.auxLoss = out.auxLoss.defined() ? add(tape, out.auxLoss, mo.auxLoss) : mo.auxLoss;
      out.moeStats.merge(stats);
    } else if (spec_.activation == FfnActivation::kGelu) {
      f = linear(tape, linear(tape, z, b.fc1Weight, b.fc1Bias, FusedActivation::kGelu), b.fc2Weight, b.fc2Bias);
    } else {
      f = linear(tape, swiglu(tape, linear(tape, z, b.fc1Weight, b.fc1Bias)), b.fc2Weight, b.fc2Bias);
    }
    x = add(tape, x, maybeDropout(f));
  }
  Variable hidden = norm(tape, x, finalGain_, finalBias_);
  out.logits = linear(tape, hidden, spec_.tied == TiedEmbeddings::kYes ? tokenEmbedding_ : head_, ParamView());
  return out;
}

GptCounts GptModel::counts() const {
  GptCounts c;
  c.total = arena_.size();
  const int64_t embeddings = tokenEmbedding_.numel() + positionEmbedding_.numel();
  int64_t inactive = 0;
  for (const Block& b : blocks_) {
    if (!b.moeBlock) continue;
    const int64_t perExpert = (b.moe.w1.numel() + b.moe.w2.numel()) / spec_.moe.experts;
    inactive += perExpert * (spec_.moe.experts - spec_.moe.topK);
  }
  c.nonEmbedding = c.total - embeddings;
  c.active = c.total - inactive;
  c.activeNonEmbedding = c.nonEmbedding - inactive;
  // The head is a matrix product per token even when tied, so count it in the FLOPs.
  const int64_t headFlopsParams = spec_.tied == TiedEmbeddings::kYes ? tokenEmbedding_.numel() : 0;
  c.flopsPerToken = 6.0 * static_cast<double>(c.activeNonEmbedding + headFlopsParams) +
                    6.0 * static_cast<double>(spec_.layers * spec_.context * spec_.width);
  return c;
}

GptCounts countGptParameters(const GptSpec& spec) {
  ParameterArena scratch;  // layout only: allocate() is never called
  return GptModel(scratch, spec).counts();
}

std::string GptModel::describe() const {
  const GptCounts c = counts();
  std::string s = "GPT(layers " + std::to_string(spec_.layers) + ", width " + std::to_string(spec_.width) + ", heads " +
                  std::to_string(spec_.heads) + ", context " + std::to_string(spec_.context);
  if (spec_.moeEvery > 0)
    s += ", MoE " + std::to_string(spec_.moe.experts) + " experts top-" + std::to_string(spec_.moe.topK) +
         " every " + std::to_string(spec_.moeEvery) + " block(s)";
  char flops[32];
  std::snprintf(flops, sizeof flops, "%.3g", c.flopsPerToken);
  return s + "; " + std::to_string(c.total) + " parameters, " + std::to_string(c.active) + " active, " +
         std::to_string(c.nonEmbedding) + " non-embedding, " + flops + " training FLOPs/token)";
}

}  // namespace gaplab
