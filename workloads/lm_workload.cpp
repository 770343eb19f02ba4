// workloads/lm_workload.cpp — see lm_workload.h.
#include "workloads/lm_workload.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/device_memory.h"
#include "core/ops/add.h"
#include "core/ops/embedding.h"
#include "core/ops/cross_entropy.h"

namespace gaplab {

LmWorkload::LmWorkload(LmData data, std::unique_ptr<ParameterArena> arena, const GptSpec& spec, int64_t batchSize,
                       uint64_t seed, float labelSmoothing, ShardSpec shard)
    : data_(std::move(data)),
      arena_(std::move(arena)),
      model_(std::make_unique<GptModel>(*arena_, spec)),
      loader_(data_.trainSources, batchSize, data_.sequenceLength > 0 ? data_.sequenceLength : spec.context, seed, shard,
              data_.tokenBudget),
      seed_(seed),
      labelSmoothing_(labelSmoothing) {
  for (const LmSource& s : data_.trainSources) trainTokens_ += static_cast<int64_t>(s.tokens->size());
}

std::string LmWorkload::describeData() const {
  std::string sources;
  for (const LmSource& s : data_.trainSources)
    sources += (sources.empty() ? "" : " + ") + s.name + " (" + std::to_string(s.tokens->size()) + " bytes)";
  char entropy[64];
  std::snprintf(entropy, sizeof entropy, "%.3f", data_.unigramEntropyBits);
  return "train " + sources + ", validation " + std::to_string(data_.validationTokens->size()) +
         " bytes; unigram entropy of validation " + entropy + " bits/byte" +
         (data_.subsetNote.empty() ? std::string() : "; " + data_.subsetNote);
}

Variable LmWorkload::trainForward(Tape& tape, int64_t step) {
  const LmBatch batch = loader_.next();
  GptModel::Output out = model_->forward(tape, batch.inputs, batch.batch, batch.context,
                                         ForwardContext{NormMode::kTrain, seed_, step});
  Variable loss = softmaxCrossEntropy(tape, out.logits, batch.targets, labelSmoothing_);
  return out.auxLoss.defined() ? add(tape, loss, out.auxLoss) : loss;
}

std::string LmWorkload::graphCaptureBlocker() const {
  // The model's reasons first: they hold on any device.
  const GptSpec& spec = model_->spec();
  if (spec.moeEvery > 0) return "MoE reads its routing back to the host";
  if (spec.dropout > 0.0f) return "dropout draws its mask on the host";
  if (!model_->deviceTokensSupported())
    return "the embedding tables exceed the " + std::to_string(kMaxDeviceIdsEmbeddingRows) +
           " rows the device-ids embedding takes (vocab " + std::to_string(spec.vocab) + ", context " +
           std::to_string(spec.context) + ")";
  if (arena_->device() != Device::kCuda) return "CUDA graphs need device: cuda";
  return {};
}

void LmWorkload::stageBatch(int64_t step) {
  (void)step;  // the loader's position is the step (seekTrainingData), as in trainForward
  const std::string blocker = graphCaptureBlocker();
  if (!blocker.empty()) throw std::logic_error("stageBatch: " + blocker);
  const LmBatch batch = loader_.next();
  const std::size_t bytes = batch.inputs.size() * sizeof(int32_t);
  if (!stagedInputs_) {
    stagedInputs_ = allocateDeviceBytes(bytes);
    stagedTargets_ = allocateDeviceBytes(bytes);
    stagedBatch_ = batch.batch;
    stagedLength_ = batch.context;
  }
  if (batch.batch != stagedBatch_ || batch.context != stagedLength_ || batch.targets.size() != batch.inputs.size())
    throw std::logic_error("stageBatch: training batches changed shape ([" + std::to_string(batch.batch) + ", " +
                           std::to_string(batch.context) + "] after [" + std::to_string(stagedBatch_) + ", " +
                           std::to_string(stagedLength_) + "])");
  // The device ops cannot check ids (embedding) or labels (cross-entropy): checked here, on the host.
  const int64_t vocab = model_->spec().vocab;
  for (const std::vector<int32_t>* ids : {&batch.inputs, &batch.targets})
    for (std::size_t i = 0; i < ids->size(); ++i)
      if ((*ids)[i] < 0 || (*ids)[i] >= vocab)
        throw std::out_of_range("stageBatch: token " + std::to_string((*ids)[i]) + " at position " +
                                std::to_string(i) + " is out of range for vocab " + std::to_string(vocab));
  copyHostToDevice(stagedInputs_.get(), batch.inputs.data(), bytes);
  copyHostToDevice(stagedTargets_.get(), batch.targets.data(), bytes);
}

Variable LmWorkload::forwardStaged(Tape& tape, int64_t step) {
  if (!stagedInputs_) throw std::logic_error("forwardStaged: no batch was staged");
  GptModel::Output out = model_->forward(tape, static_cast<const int32_t*>(stagedInputs_.get()), stagedBatch_,
                                         stagedLength_, ForwardContext{NormMode::kTrain, seed_, step});
  Variable loss = softmaxCrossEntropy(tape, out.logits, static_cast<const int32_t*>(stagedTargets_.get()),
                                      stagedBatch_ * stagedLength_, labelSmoothing_);
  return out.auxLoss.defined() ? add(tape, loss, out.auxLoss) : loss;
}

LmWorkload::TextScore LmWorkload::score(const std::vector<uint8_t>& tokens) {
  TextScore t;
  Tape tape(TapeMode::kInference);
  forEachEvalWindow(tokens, loader_.batchSize(), loader_.context(), [&](const LmBatch& b) {
    ++t.batches;
    GptModel::Output out = model_->forward(tape, b.inputs, b.batch, b.context, ForwardContext{NormMode::kEval, seed_, 0});
    softmaxCrossEntropy(tape, out.logits, b.targets, 0.0f, &t.ce);
    t.moe.merge(out.moeStats);
  }, data_.evalWindows);
  return t;
}

EvalResult LmWorkload::evaluate(EvalSplit split) {
  const std::vector<uint8_t>& tokens =
      split == EvalSplit::kEvalTrain ? *data_.evalTrainTokens : *data_.validationTokens;
  TextScore scored = score(tokens);
  const CrossEntropyStats& ce = scored.ce;
  MoeStats& moe = scored.moe;
  const int64_t batches = scored.batches;
  EvalResult r;
  r.examples = ce.rows;
  r.loss = ce.mean();
  r.metric = r.loss / std::log(2.0);
  r.extras.push_back({"next_byte_accuracy", ce.accuracy()});
  if (split == EvalSplit::kValidation)
    for (const auto& [name, text] : data_.monitors) {
      const TextScore m = score(*text);
      r.extras.push_back({name + "/bits_per_byte", m.ce.mean() / std::log(2.0)});
      r.extras.push_back({name + "/next_byte_accuracy", m.ce.accuracy()});
    }
  if (model_->spec().moeEvery > 0 && moe.assignments > 0) {
    // The losses were summed over batches and MoE blocks; report the mean per block and batch.
    int64_t moeBlocks = 0;
    for (int64_t l = 0; l < model_->spec().layers; ++l) moeBlocks += model_->spec().isMoeBlock(l) ? 1 : 0;
    const double entries = static_cast<double>(std::max<int64_t>(1, batches * moeBlocks));
    moe.auxLoss /= entries;
    moe.zLoss /= entries;
    r.extras.push_back({"moe_load_cv", moe.loadCoefficientOfVariation()});
    r.extras.push_back({"moe_dropped_fraction", static_cast<double>(moe.dropped) / static_cast<double>(moe.assignments)});
    r.extras.push_back({"moe_aux_loss", moe.auxLoss});
    r.extras.push_back({"moe_z_loss", moe.zLoss});
    const std::vector<double> fractions = moe.loadFractions();
    for (std::size_t e = 0; e < fractions.size(); ++e)
      r.extras.push_back({"moe_expert_fraction/" + std::to_string(e), fractions[e]});
  }
  if (split == EvalSplit::kValidation && !data_.exactMatchExamples.empty()) {
    r.extras.push_back({"exact_match", exactMatchAccuracy(data_.exactMatchExamples, [&](const std::string& p, int64_t n) {
                          return generate(p, n);
                        })});
  }
  return r;
}

double LmWorkload::epochsDone() const {
  return trainTokens_ ? static_cast<double>(loader_.tokensConsumed()) / static_cast<double>(trainTokens_) : 0.0;
}

std::string LmWorkload::generate(const std::string& prompt, int64_t maxNewBytes) {
  const int64_t context = model_->spec().context, vocab = model_->spec().vocab;
  std::vector<int32_t> tokens(prompt.begin(), prompt.end());
  for (auto& t : tokens) t = static_cast<uint8_t>(t);
  std::string out;
  Tape tape(TapeMode::kInference);
  for (int64_t i = 0; i < maxNewBytes; ++i) {
    const int64_t start = std::max<int64_t>(0, static_cast<int64_t>(tokens.size()) - context);
    std::vector<int32_t> window(tokens.begin() + start, tokens.end());
    const int64_t length = static_cast<int64_t>(window.size());
    GptModel::Output o = model_->forward(tape, window, 1, length, ForwardContext{NormMode::kEval, seed_, 0});
    const Tensor logits = o.logits.value().device() == Device::kCpu ? o.logits.value() : o.logits.value().to(Device::kCpu);
    const float* last = logits.data() + (length - 1) * vocab;
    int32_t best = 0;
    for (int32_t v = 1; v < vocab; ++v)
      if (last[v] > last[best]) best = v;
    tokens.push_back(best);
    out.push_back(static_cast<char>(best));
  }
  return out;
}

}  // namespace gaplab
