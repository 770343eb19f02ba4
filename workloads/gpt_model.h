// workloads/gpt_model.h — a GPT-style byte-level language model, dense or with
// Mixture-of-Experts feed-forward blocks.
//
// Why: the lm and moe_lm workloads, the reference benchmarks (lm, moe8k2) and the
// scaling-law studies all build the same model family from a spec, and the
// studies need its parameter counts (total, active per token, non-embedding N)
// and FLOPs per token.
//
// Block (pre-norm): h = x + proj(attention(qkv(norm1(x)))); y = h + ffn(norm2(h)),
// ffn = Linear(D->rD)+GELU -> Linear(rD->D), or SwiGLU, or an MoE layer.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/nn/module.h"
#include "core/ops/moe.h"
#include "core/parameter_arena.h"

namespace gaplab {

enum class NormKind { kLayerNorm, kRmsNorm };
enum class FfnActivation { kGelu, kSwiglu };
enum class TiedEmbeddings { kNo, kYes };

struct GptSpec {
  int64_t vocab = 256;
  int64_t context = 128;
  int64_t layers = 4;
  int64_t width = 128;
  int64_t heads = 4;
  double mlpRatio = 4.0;            // hidden width of a (dense or expert) FFN = mlpRatio * width
  NormKind norm = NormKind::kLayerNorm;
  FfnActivation activation = FfnActivation::kGelu;
  TiedEmbeddings tied = TiedEmbeddings::kNo;
  int64_t moeEvery = 0;             // 0: dense; k: blocks k-1, 2k-1, ... use MoE (1 = every block)
  MoeOptions moe;
  float dropout = 0.0f;
  void validate() const;            // throws std::invalid_argument naming the field
  bool isMoeBlock(int64_t layer) const { return moeEvery > 0 && (layer + 1) % moeEvery == 0; }
  int64_t hidden() const { return static_cast<int64_t>(mlpRatio * static_cast<double>(width) + 0.5); }
};

struct GptCounts {
  int64_t total = 0;          // every parameter
  int64_t active = 0;         // parameters a token uses (top-k of the experts)
  int64_t nonEmbedding = 0;   // total minus token and position embeddings (the N of scaling laws)
  int64_t activeNonEmbedding = 0;
  double flopsPerToken = 0;   // training FLOPs: 6 * activeNonEmbedding + attention 6 * layers * context * width
};

// The counts of the model `spec` describes, without allocating its parameters
// (the layout is registered in a scratch arena, never allocated). Throws
// std::invalid_argument for an invalid spec, as GptModel does.
GptCounts countGptParameters(const GptSpec& spec);

class GptModel {
 public:
  GptModel(ParameterArena& arena, const GptSpec& spec);

  struct Output {
    Variable logits;    // [B, T, vocab]: B * T rows of vocab logits
    Variable auxLoss;   // scalar sum of MoE auxiliary losses; undefined for dense models
    MoeStats moeStats;  // merged over MoE blocks
  };
  // tokens: [B, T] row-major, T <= context, each in [0, vocab) (else std::out_of_range).
  // On a cuda arena whose tables fit the device-ids embedding (vocab and context
  // <= kMaxDeviceIdsEmbeddingRows), the tokens are uploaded and the device-ids
  // forward below runs; otherwise both embeddings take host ids.
  Output forward(Tape& tape, const std::vector<int32_t>& tokens, int64_t batch, int64_t length,
                 const ForwardContext& context);
  // deviceTokens: [B, T] int32 on the GPU (GPU only; e.g. a workload's staged
  // batch), unchecked: the caller guarantees [0, vocab). No host work, so the
  // step can be captured in a CUDA graph, with one exception: the position ids
  // live in a device buffer the model owns, uploaded on the first call for each
  // (B, T) and reused after. The trainer's eager warm-up steps make that first
  // call before it captures; a first call inside a capture is refused
  // (DeviceGraphCaptureError) and the trainer then trains eagerly. The token
  // buffer must stay valid until the tape's backward has run (keepAlive, when
  // set, is held until then). Throws std::invalid_argument as the embedding's
  // device-ids overload does (arena not on cuda, vocab or context above
  // kMaxDeviceIdsEmbeddingRows) and for a bad length.
  Output forward(Tape& tape, const int32_t* deviceTokens, int64_t batch, int64_t length,
                 const ForwardContext& context, std::shared_ptr<const void> keepAlive = nullptr);
  // Whether forward on device tokens accepts this model's tables (vocab and context).
  bool deviceTokensSupported() const;

  GptCounts counts() const;
  const GptSpec& spec() const { return spec_; }
  std::string describe() const;

 private:
  struct Block {
    ParamView norm1Gain, norm1Bias, qkvWeight, qkvBias, projWeight, projBias;
    ParamView norm2Gain, norm2Bias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
    MoeParams moe;
    bool moeBlock = false;
  };
  Variable norm(Tape& tape, const Variable& x, const ParamView& gain, const ParamView& bias) const;
  void checkLength(int64_t length) const;
  // The blocks, final norm and head on the summed embeddings x: [B, T, D].
  Output forwardEmbedded(Tape& tape, Variable x, const ForwardContext& context);
  // Device position ids [B, T] (t % T), uploaded once per (B, T).
  const int32_t* devicePositions(int64_t batch, int64_t length);
  GptSpec spec_;
  ParamView tokenEmbedding_, positionEmbedding_, finalGain_, finalBias_, head_;
  std::vector<Block> blocks_;
  ParameterArena& arena_;
  std::map<std::pair<int64_t, int64_t>, std::shared_ptr<void>> positionIds_;  // (B, T) -> device ids
};

}  // namespace gaplab
