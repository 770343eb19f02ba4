// workloads/lm_workloads.cpp — the language-model workloads `lm` (dense GPT) and
// `moe_lm` (the same with Mixture-of-Experts feed-forward blocks).
//
// Data: byte-level text from Debian's fortunes (English) and fortunes-de
// (German), split by record into train/validation, optionally mixed with
// weights; or the synthetic memorization / reasoning tasks of the MoE study.
// Continual pre-training may train only a subset of one corpus's training
// records (data.subset_*: random, or lowest perplexity under the initial model).
// Targets are validation bits per byte, set by scripts/set_targets.sh (docs/workloads.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

#include "core/data/record_subset.h"
#include "core/data/text_corpus.h"
#include "core/data/token_stream.h"
#include "core/rng.h"
#include "distributed/communicator.h"
#include "workloads/lm_workload.h"
#include "workloads/record_perplexity.h"
#include "workloads/trial_checkpoint.h"
#include "workloads/workload_registry.h"
#include "workloads/workload_targets.h"

namespace gaplab {

GptSpec readGptSpec(ConfigSection m) {
  GptSpec s;
  s.layers = m.getInt("layers", s.layers, Range::between(1, 256));
  s.width = m.getInt("width", s.width, Range::between(1, 65536));
  s.heads = m.getInt("heads", s.heads, Range::between(1, 1024));
  if (s.width % s.heads != 0)
    m.fail("heads", std::to_string(s.heads) + " heads do not divide the width " + std::to_string(s.width),
           "a number of heads that divides model.width");
  s.context = m.getInt("context", s.context, Range::between(1, 65536));
  s.mlpRatio = m.getDouble("mlp_ratio", s.mlpRatio, Range::above(0));
  s.norm = m.getChoice("norm", "layer", {"layer", "rms"}) == "layer" ? NormKind::kLayerNorm : NormKind::kRmsNorm;
  s.activation = m.getChoice("activation", "gelu", {"gelu", "swiglu"}) == "gelu" ? FfnActivation::kGelu
                                                                                   : FfnActivation::kSwiglu;
  s.tied = m.getChoice("tie_embeddings", "no", {"no", "yes"}) == "yes" ? TiedEmbeddings::kYes : TiedEmbeddings::kNo;
  s.dropout = static_cast<float>(m.getDouble("dropout", 0.0, Range::between(0, 0.95)));
  s.moeEvery = m.getInt("moe_every", 0, Range::between(0, s.layers));
  if (s.moeEvery > 0) {
    s.moe.experts = m.getInt("experts", 8, Range::between(1, 1024));
    s.moe.topK = m.getInt("top_k", 2, Range::atLeast(1));
    if (s.moe.topK > s.moe.experts)
      m.fail("top_k", "top-k " + std::to_string(s.moe.topK) + " > " + std::to_string(s.moe.experts) + " experts",
             "1 <= top_k <= model.experts");
    s.moe.normalization = m.getChoice("router_normalization", "none", {"none", "renormalize"}) == "none"
                              ? RouterNormalization::kNone
                              : RouterNormalization::kRenormalize;
    s.moe.activation = s.activation == FfnActivation::kGelu ? ExpertActivation::kGelu : ExpertActivation::kSwiglu;
    s.moe.auxLossCoefficient = static_cast<float>(m.getDouble("aux_loss", 0.01, Range::atLeast(0)));
    s.moe.zLossCoefficient = static_cast<float>(m.getDouble("z_loss", 0.001, Range::atLeast(0)));
    s.moe.capacityFactor = static_cast<float>(m.getDouble("capacity_factor", 0.0, Range::atLeast(0)));
  }
  return s;
}

namespace {

constexpr const char* kLmCommonDefaults = R"(
seed: 0
threads: 2
data:
  corpus: [fortunes_en]
  weights: []
  validation_fraction: 0.05
  sequence_length: 0
  split_seed: 0
  eval_windows: 64
  token_budget: 0
  memorization_keys: 512
  reasoning_steps: 3
  monitor: []            # corpora whose validation text is also evaluated at every eval (continual learning)
  subset_fraction: 1.0   # train only this share of the bytes of one corpus's training records (continual learning)
  subset_select: random  # random | lowest_perplexity (under the model as initialised, after model.init_from)
  subset_corpus: ""      # the corpus subset; "": the first of data.corpus
training:
  batch_size: 32
  max_steps: 3000
  max_runtime_s: 600
  eval_every_steps: 250
  label_smoothing: 0.0
  grad_clip_norm: 1.0
optimizer:
  name: adamw
  lr: 0.003
  beta1: 0.9
  beta2: 0.95
  weight_decay: 0.1
schedule:
  name: warmup_cosine
  warmup_steps: 100
  floor_ratio: 0.1
)";

// The reference GPT of DESIGN.md; the MoE keys below continue its `model:` mapping.
constexpr const char* kGptModelDefaults = R"(
model:
  layers: 4
  width: 128
  heads: 4
  context: 128
  mlp_ratio: 4
  norm: layer
  activation: gelu
  tie_embeddings: no
  dropout: 0.0
  init_from: ""          # a checkpoint (gaplab run --keep-checkpoint) whose weights replace the initialisation
)";

constexpr const char* kDenseKeys = "  moe_every: 0\n";

constexpr const char* kMoeKeys = R"(  moe_every: 1
  experts: 8
  top_k: 2
  router_normalization: none
  aux_loss: 0.01
  z_loss: 0.001
  capacity_factor: 0
)";


std::shared_ptr<const std::vector<uint8_t>> shared(std::vector<uint8_t> tokens) {
  return std::make_shared<const std::vector<uint8_t>>(std::move(tokens));
}

// Bits per byte of each record under the model as initialised (lowest_perplexity subsets).
using RecordScorer = std::function<std::vector<float>(const std::vector<std::string>&)>;

LmData readData(WorkloadContext& ctx, const GptSpec& spec, std::string& initFrom, const RecordScorer& scoreRecords) {
  ConfigSection d = ctx.root.section("data");
  const std::vector<std::string> corpora = d.getStringList("corpus", {"fortunes_en"});
  if (corpora.empty()) d.fail("corpus", "got an empty list", "at least one of fortunes_en, fortunes_de, memorization, reasoning");
  std::vector<double> weights = d.getDoubleList("weights", {}, Range::above(0));
  if (weights.empty()) weights.assign(corpora.size(), 1.0);
  if (weights.size() != corpora.size())
    d.fail("weights", std::to_string(weights.size()) + " weights for " + std::to_string(corpora.size()) + " corpora",
           "one weight per corpus (or none for equal weights)");
  const double validationFraction = d.getDouble("validation_fraction", 0.05, Range::between(0.001, 0.5));
  // The split and the synthetic tasks depend on split_seed, not on the run's
  // seed: every seed of a study is evaluated on the same validation text.
  const uint64_t splitSeed = static_cast<uint64_t>(d.getInt("split_seed", 0, Range::atLeast(0)));
  LmData data;
  data.sequenceLength = d.getInt("sequence_length", 0, Range::atLeast(0));
  if (data.sequenceLength == 0) data.sequenceLength = spec.context;
  if (data.sequenceLength > spec.context)
    d.fail("sequence_length", "got " + std::to_string(data.sequenceLength),
           "at most model.context = " + std::to_string(spec.context) + " (the model has no positions beyond it)");
  data.evalWindows = d.getInt("eval_windows", 64, Range::atLeast(1));
  data.tokenBudget = d.getInt("token_budget", 0, Range::atLeast(0));
  // The loader consumes whole global batches; a budget between two of them is a
  // config error here (exit 2, naming the key), not a failure to build the data.
  const int64_t tokensPerStep = ctx.run.training.batchSize * ctx.comm.size() * data.sequenceLength;
  if (data.tokenBudget % tokensPerStep != 0) {
    const int64_t below = data.tokenBudget / tokensPerStep * tokensPerStep;
    d.fail("token_budget",
           "got " + std::to_string(data.tokenBudget) + ", not a multiple of the " + std::to_string(tokensPerStep) +
               " tokens per step (training.batch_size * ranks * data.sequence_length)",
           "a multiple of " + std::to_string(tokensPerStep) + ", e.g. " +
               (below > 0 ? std::to_string(below) + " or " : std::string()) + std::to_string(below + tokensPerStep));
  }
  MemorizationConfig mem;
  mem.numKeys = d.getInt("memorization_keys", mem.numKeys, Range::between(1, 1000000));
  ReasoningConfig reason;
  reason.steps = static_cast<int>(d.getInt("reasoning_steps", reason.steps, Range::between(1, 32)));
  const std::vector<std::string> monitors = d.getStringList("monitor", {});
  // Subset of one corpus's training records (Guo et al. 2024: a subset trained
  // for several epochs; the highest-quality subset). Validation is never subset.
  const double subsetFraction = d.getDouble("subset_fraction", 1.0, Range{0.0, 1.0, Range::Lower::kExclusive});
  const SubsetSelect subsetSelect = d.getChoice("subset_select", "random", {"random", "lowest_perplexity"}) == "random"
                                        ? SubsetSelect::kRandom
                                        : SubsetSelect::kLowestPerplexity;
  std::string subsetCorpus = d.getString("subset_corpus", "");
  if (subsetCorpus.empty()) subsetCorpus = corpora.front();
  if (std::find(corpora.begin(), corpora.end(), subsetCorpus) == corpora.end())
    d.fail("subset_corpus", "got '" + subsetCorpus + "', not in data.corpus", "one of the corpora of data.corpus");
  const bool subsetting = subsetFraction < 1.0;
  if (subsetting && subsetCorpus != "fortunes_en" && subsetCorpus != "fortunes_de")
    d.fail(d.has("subset_corpus") && !d.getString("subset_corpus", "").empty() ? "subset_corpus" : "subset_fraction",
           "a subset of '" + subsetCorpus + "' (a synthetic task has no records to select)",
           "a subset of fortunes_en or fortunes_de (data.subset_corpus), or subset_fraction: 1");
  initFrom = ctx.root.section("model").getString("init_from", "");
  ctx.keysRead();
  // Evaluation covers every source equally: each contributes its first
  // ceil(eval_windows / sources) windows to the evaluated eval-train and
  // validation texts (the unigram entropy uses all validation text).
  const int64_t windowsPerSource = (data.evalWindows + static_cast<int64_t>(corpora.size()) - 1) /
                                   static_cast<int64_t>(corpora.size());
  // +1: the target of a window's last byte is the byte after it.
  const std::size_t evalBytesPerSource = static_cast<std::size_t>(windowsPerSource * data.sequenceLength + 1);
  auto appendPrefix = [&](std::vector<uint8_t>& to, const std::vector<uint8_t>& from) {
    const std::size_t take = std::min(from.size(), evalBytesPerSource);
    to.insert(to.end(), from.begin(), from.begin() + static_cast<std::ptrdiff_t>(take));
  };
  // The texts of one source: its training text, its held-out validation text,
  // and (synthetic tasks) the examples scored by exact match.
  struct SourceTexts {
    std::vector<uint8_t> train, validation;
    std::vector<SyntheticExample> examples;
  };
  auto loadSource = [&](const std::string& name, const char* key) {
    SourceTexts t;
    if (name == "fortunes_en" || name == "fortunes_de") {
      const TextCorpus corpus =
          loadFortuneCorpus(name == "fortunes_en" ? kFortunesEnglishDir : kFortunesGermanDir, name);
      const CorpusSplit split = splitByRecord(corpus, validationFraction, splitSeed);
      if (subsetting && name == subsetCorpus && std::string(key) == "corpus") {
        // The subset is drawn from split_seed (like the split): every seed of a
        // study trains on the same records.
        const std::vector<std::size_t> kept =
            subsetSelect == SubsetSelect::kRandom
                ? randomRecordSubset(split.train.records, subsetFraction, splitSeed)
                : lowestScoreRecordSubset(split.train.records, scoreRecords(split.train.records), subsetFraction);
        const TextCorpus subset = keepRecords(split.train, kept);
        char note[160];
        std::snprintf(note, sizeof note, "%s subset of %s: %zu of %zu records, %lld of %lld bytes",
                      subsetSelect == SubsetSelect::kRandom ? "random" : "lowest-perplexity", name.c_str(),
                      subset.records.size(), split.train.records.size(), static_cast<long long>(subset.bytes()),
                      static_cast<long long>(split.train.bytes()));
        data.subsetNote = note;
        t.train = concatenateRecords(subset);
      } else {
        t.train = concatenateRecords(split.train);
      }
      t.validation = concatenateRecords(split.validation);
    } else if (name == "memorization" || name == "reasoning") {
      SyntheticTextTask task = name == "memorization" ? makeMemorizationTask(mem, splitSeed)
                                                      : makeReasoningTask(reason, splitSeed);
      t.train = std::move(task.train);
      for (const SyntheticExample& e : task.evaluation) {
        const std::string line = e.prompt + e.answer + "\n";
        t.validation.insert(t.validation.end(), line.begin(), line.end());
      }
      t.examples = std::move(task.evaluation);
    } else {
      d.fail(key, "got '" + name + "'", "one of fortunes_en, fortunes_de, memorization, reasoning");
    }
    return t;
  };
  std::vector<uint8_t> evalTrain, validation, allValidation;
  for (std::size_t i = 0; i < corpora.size(); ++i) {
    const std::string& name = corpora[i];
    SourceTexts t = loadSource(name, "corpus");
    appendPrefix(validation, t.validation);
    allValidation.insert(allValidation.end(), t.validation.begin(), t.validation.end());
    data.exactMatchExamples.insert(data.exactMatchExamples.end(), t.examples.begin(), t.examples.end());
    appendPrefix(evalTrain, t.train);  // the eval-train subset: the first windows of each training source
    data.trainSources.push_back({name, shared(std::move(t.train)), weights[i]});
  }
  // Monitored corpora (continual pre-training: the old and the new domain) are
  // evaluated on their own, eval_windows windows each, at every evaluation.
  const std::size_t monitorBytes = static_cast<std::size_t>(data.evalWindows * data.sequenceLength + 1);
  for (const std::string& name : monitors) {
    SourceTexts t = loadSource(name, "monitor");
    if (t.validation.size() < static_cast<std::size_t>(data.sequenceLength + 1))
      d.fail("monitor", "the validation text of '" + name + "' has only " + std::to_string(t.validation.size()) + " bytes",
             "more than the sequence length (raise validation_fraction)");
    t.validation.resize(std::min(t.validation.size(), monitorBytes));
    data.monitors.push_back({name, shared(std::move(t.validation))});
  }
  if (allValidation.size() < static_cast<std::size_t>(data.sequenceLength + 1))
    d.fail("corpus", "the validation text has only " + std::to_string(allValidation.size()) + " bytes",
           "more than the sequence length of " + std::to_string(data.sequenceLength) +
               " bytes (raise validation_fraction)");
  data.unigramEntropyBits = unigramEntropyBits(allValidation);
  data.evalTrainTokens = shared(std::move(evalTrain));
  data.validationTokens = shared(std::move(validation));
  return data;
}

std::unique_ptr<Workload> makeLmWorkload(WorkloadContext& ctx) {
  const GptSpec spec = readGptSpec(ctx.root.section("model"));
  std::string initFrom;
  // lowest_perplexity subsets score the records with the model as it starts:
  // a model of its own, initialised from the same seed's stream and then from
  // model.init_from exactly as the workload's below. Called during set-up (not
  // timed as training), on every rank, which split the records (identical scores).
  const RecordScorer scoreRecords = [&](const std::vector<std::string>& records) {
    ParameterArena scoringArena;
    GptModel scorer(scoringArena, spec);
    RngStream scorerInit(ctx.run.seed, RngPurpose::kInit);
    scoringArena.allocate(scorerInit);
    if (!initFrom.empty()) TrialCheckpoint::loadWeights(initFrom, scoringArena);
    // Inference only: at least 32 windows a batch, whatever the (per-rank) training batch.
    return recordBitsPerByte(scorer, records, std::max<int64_t>(ctx.run.training.batchSize, 32), ctx.comm,
                             ctx.run.seed);
  };
  LmData data = readData(ctx, spec, initFrom, scoreRecords);
  auto arena = std::make_unique<ParameterArena>();
  auto workload = std::make_unique<LmWorkload>(std::move(data), std::move(arena), spec, ctx.run.training.batchSize,
                                               ctx.run.seed, static_cast<float>(ctx.run.training.labelSmoothing),
                                               ShardSpec{ctx.comm.rank(), ctx.comm.size()});
  RngStream init(ctx.run.seed, RngPurpose::kInit);
  workload->arena().allocate(init);
  // Continual pre-training: start from the weights of an earlier run's checkpoint
  // (`gaplab run --keep-checkpoint`), not from the seed's initialisation.
  if (!initFrom.empty()) TrialCheckpoint::loadWeights(initFrom, workload->arena());
  return workload;
}

// Training FLOPs of the trial: FLOPs per token (countGptParameters: 6 x active
// non-embedding parameters + attention) x tokens per step x steps, where a
// data.token_budget ends the trial before max_steps when it is smaller. A
// scaling sweep's trials differ by orders of magnitude in exactly these.
double estimateLmTrialCost(const RunConfig& run, const ConfigSection& root) {
  const GptSpec spec = readGptSpec(root.section("model"));
  ConfigSection d = root.section("data");
  int64_t sequenceLength = d.getInt("sequence_length", 0, Range::atLeast(0));
  if (sequenceLength == 0) sequenceLength = spec.context;
  const double tokensPerStep = static_cast<double>(run.training.batchSize) * static_cast<double>(sequenceLength);
  double steps = static_cast<double>(run.training.maxSteps);
  const int64_t budget = d.getInt("token_budget", 0, Range::atLeast(0));
  if (budget > 0) steps = std::min(steps, std::floor(static_cast<double>(budget) / tokensPerStep));
  return countGptParameters(spec).flopsPerToken * tokensPerStep * steps;
}

}  // namespace

void registerLanguageModelWorkloads(WorkloadRegistry& registry) {
  // The targets (and their variants') come from the one table, workloads/workload_targets.cpp.
  WorkloadEntry lm{"lm", "byte-level GPT on English fortunes (4 layers, width 128, context 128)",
                   std::string(kLmCommonDefaults) + kGptModelDefaults + kDenseKeys + targetDefaultsYaml("lm"),
                   "bits_per_byte", makeLmWorkload, estimateLmTrialCost};
  WorkloadEntry moe{"moe_lm", "the lm GPT with 8-expert top-2 Mixture-of-Experts feed-forward blocks",
                    std::string(kLmCommonDefaults) + kGptModelDefaults + kMoeKeys + targetDefaultsYaml("moe_lm"),
                    "bits_per_byte", makeLmWorkload, estimateLmTrialCost};
  // Variants: norm swap (LayerNorm -> RMSNorm), activation swap (GELU -> SwiGLU), model size.
  registry.add(makeWorkloadVariant(lm, "lm_rmsnorm", "lm with RMSNorm instead of LayerNorm", {{"model.norm", "rms"}}));
  registry.add(makeWorkloadVariant(lm, "lm_swiglu", "lm with SwiGLU instead of GELU feed-forward blocks (default NAdamW)",
                                   {{"model.activation", "swiglu"}, {"optimizer.name", "nadamw"}}));
  registry.add(makeWorkloadVariant(lm, "lm_small", "lm with 2 layers of width 64 (default NAdamW, lr 0.01)",
                                   {{"model.layers", "2"}, {"model.width", "64"}, {"optimizer.name", "nadamw"},
                                    {"optimizer.lr", "0.01"}}));
  registry.add(makeWorkloadVariant(moe, "moe_lm_rmsnorm", "moe_lm with RMSNorm instead of LayerNorm",
                                   {{"model.norm", "rms"}}));
  registry.add(makeWorkloadVariant(moe, "moe_lm_swiglu", "moe_lm with SwiGLU experts",
                                   {{"model.activation", "swiglu"}}));
  registry.add(makeWorkloadVariant(moe, "moe_lm_4experts", "moe_lm with 4 experts (top-2)", {{"model.experts", "4"}}));
  registry.add(std::move(lm));
  registry.add(std::move(moe));
}

}  // namespace gaplab
