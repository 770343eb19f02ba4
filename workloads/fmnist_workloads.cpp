// workloads/fmnist_workloads.cpp — the Fashion-MNIST workloads fmnist_mlp and fmnist_cnn.
//
// Why here: each built-in workload is its defaults (model, budget, target — the
// AlgoPerf-style spec, see docs/workloads.md for how the targets were set) plus
// a factory that reads its `model` and `data` sections.
#include <memory>

#include "core/data/fashion_mnist.h"
#include "core/rng.h"
#include "distributed/communicator.h"
#include "workloads/classification_workload.h"
#include "workloads/cnn_model.h"
#include "workloads/mlp_model.h"
#include "workloads/workload_registry.h"
#include "workloads/workload_targets.h"

namespace gaplab {
namespace {

// Shared keys of both workloads: data, training budget, optimizer, schedule.
constexpr const char* kCommonDefaults = R"(
seed: 0
threads: 2
data:
  dir: /usr/share/datasets/fashion-mnist
  eval_train_size: 10000
  train_limit: 0
  validation_limit: 0
)";

constexpr const char* kMlpDefaults = R"(
model:
  widths: [1024, 1024]
  activation: relu
  norm: batch
  ghost_size: 0
  bn_momentum: 0.1
  bn_across_ranks: local
  dropout: 0.0
training:
  batch_size: 128
  max_steps: 4690
  max_runtime_s: 300
  eval_every_steps: 235
  label_smoothing: 0.0
  grad_clip_norm: 0
optimizer:
  name: momentum
  lr: 0.02
  weight_decay: 0.0005
schedule:
  name: warmup_cosine
  warmup_steps: 100
  floor_ratio: 0.0
)";

constexpr const char* kCnnDefaults = R"(
model:
  channels: [32, 64]
  hidden: 128
  bn_momentum: 0.1
  bn_across_ranks: local
  dropout: 0.0
training:
  batch_size: 128
  max_steps: 4690
  max_runtime_s: 600
  eval_every_steps: 235
  label_smoothing: 0.0
  grad_clip_norm: 0
optimizer:
  name: momentum
  lr: 0.05
  weight_decay: 0.0005
schedule:
  name: warmup_cosine
  warmup_steps: 100
  floor_ratio: 0.0
)";

// model.bn_across_ranks: `local` (each rank's batch is its own ghost batch) or
// `sync` (statistics over the global batch of all ranks).
bool syncAcrossRanks(const ConfigSection& model) {
  return model.getChoice("bn_across_ranks", "local", {"local", "sync"}) == "sync";
}

ClassificationData loadData(WorkloadContext& ctx) {
  ConfigSection d = ctx.root.section("data");
  const std::string dir = d.getString("dir", kFashionMnistDir);
  const int64_t evalTrain = d.getInt("eval_train_size", 10000, Range::between(1, kFashionMnistTrainSize));
  const int64_t trainLimit = d.getInt("train_limit", 0, Range::between(0, kFashionMnistTrainSize));
  const int64_t validationLimit = d.getInt("validation_limit", 0, Range::between(0, kFashionMnistTestSize));
  ctx.keysRead();
  ClassificationDataset train = loadFashionMnist(dir, FashionMnistSplit::kTrain, trainLimit > 0 ? trainLimit : -1);
  ClassificationData data;
  data.validation = loadFashionMnist(dir, FashionMnistSplit::kTest, validationLimit > 0 ? validationLimit : -1);
  if (evalTrain > train.size())
    d.fail("eval_train_size", "got " + std::to_string(evalTrain),
           "at most the " + std::to_string(train.size()) + " training examples loaded");
  if (ctx.run.training.batchSize * ctx.comm.size() > train.size())
    ctx.root.section("training").fail("batch_size", "got " + std::to_string(ctx.run.training.batchSize),
                                      "at most the " + std::to_string(train.size()) + " training examples");
  TrainEvalSplit split = makeTrainEvalSplit(train, evalTrain, ctx.run.seed);
  data.train = std::move(split.train);
  data.evalTrain = std::move(split.evalTrain);
  return data;
}

std::unique_ptr<Workload> finish(WorkloadContext& ctx, ClassificationData data, std::unique_ptr<ParameterArena> arena,
                                 std::unique_ptr<Module> model) {
  RngStream init(ctx.run.seed, RngPurpose::kInit);
  arena->allocate(init);
  return std::make_unique<ClassificationWorkload>(std::move(data), std::move(arena), std::move(model),
                                                  ctx.run.training.batchSize, ctx.run.seed,
                                                  static_cast<float>(ctx.run.training.labelSmoothing),
                                                  ShardSpec{ctx.comm.rank(), ctx.comm.size()});
}

std::unique_ptr<Workload> makeMlpWorkload(WorkloadContext& ctx) {
  ConfigSection m = ctx.root.section("model");
  MlpSpec spec;
  spec.widths = m.getIntList("widths", spec.widths, Range::atLeast(1));
  if (spec.widths.empty()) m.fail("widths", "got an empty list", "at least one hidden width, e.g. [1024, 1024]");
  spec.activation = m.getChoice("activation", "relu", {"relu", "gelu"}) == "relu" ? Activation::kRelu : Activation::kGelu;
  const std::string norm = m.getChoice("norm", "batch", {"none", "batch", "ghost", "layer"});
  spec.norm = norm == "none" ? MlpNorm::kNone : norm == "batch" ? MlpNorm::kBatch : norm == "ghost" ? MlpNorm::kGhostBatch : MlpNorm::kLayer;
  spec.ghostSize = m.getInt("ghost_size", 0, Range::atLeast(0));
  if (spec.norm == MlpNorm::kGhostBatch && spec.ghostSize < 2)
    m.fail("ghost_size", "got " + std::to_string(spec.ghostSize), "a ghost batch size >= 2 when norm is 'ghost'");
  spec.bnMomentum = static_cast<float>(m.getDouble("bn_momentum", 0.1, Range::between(0, 1)));
  if (syncAcrossRanks(m)) {
    if (spec.norm != MlpNorm::kBatch)
      m.fail("bn_across_ranks", "'sync' with norm '" + norm + "'", "norm: batch (ghost batches are per rank by definition)");
    spec.syncBatchNorm = &ctx.comm;
  }
  spec.dropout = static_cast<float>(m.getDouble("dropout", 0.0, Range::between(0, 0.95)));
  ClassificationData data = loadData(ctx);
  auto arena = std::make_unique<ParameterArena>();
  auto model = buildMlp(*arena, spec);
  return finish(ctx, std::move(data), std::move(arena), std::move(model));
}

std::unique_ptr<Workload> makeCnnWorkload(WorkloadContext& ctx) {
  ConfigSection m = ctx.root.section("model");
  CnnSpec spec;
  spec.channels = m.getIntList("channels", spec.channels, Range::between(1, 4096));
  if (spec.channels.empty() || spec.channels.size() > 4)
    m.fail("channels", "got " + std::to_string(spec.channels.size()) + " blocks", "1 to 4 conv blocks");
  spec.hidden = m.getInt("hidden", spec.hidden, Range::atLeast(1));
  spec.bnMomentum = static_cast<float>(m.getDouble("bn_momentum", 0.1, Range::between(0, 1)));
  // norm / ghost_size are not among the defaults (keeps older fmnist_cnn trial ids): batch unless set.
  const std::string norm = m.getChoice("norm", "batch", {"batch", "ghost"});
  spec.norm = norm == "ghost" ? CnnNorm::kGhostBatch : CnnNorm::kBatch;
  spec.ghostSize = m.getInt("ghost_size", 0, Range::atLeast(0));
  if (spec.norm == CnnNorm::kGhostBatch && spec.ghostSize < 2)
    m.fail("ghost_size", "got " + std::to_string(spec.ghostSize), "a ghost batch size >= 2 when norm is 'ghost'");
  if (syncAcrossRanks(m)) {
    if (spec.norm != CnnNorm::kBatch)
      m.fail("bn_across_ranks", "'sync' with norm '" + norm + "'", "norm: batch (ghost batches are per rank by definition)");
    spec.syncBatchNorm = &ctx.comm;
  }
  spec.dropout = static_cast<float>(m.getDouble("dropout", 0.0, Range::between(0, 0.95)));
  ClassificationData data = loadData(ctx);
  auto arena = std::make_unique<ParameterArena>();
  auto model = buildCnn(*arena, spec);
  return finish(ctx, std::move(data), std::move(arena), std::move(model));
}

}  // namespace

void registerFashionMnistWorkloads(WorkloadRegistry& registry) {
  // The targets (and their variants') come from the one table, workloads/workload_targets.cpp.
  WorkloadEntry mlp{"fmnist_mlp", "Fashion-MNIST, MLP 784-1024-1024-10 with BatchNorm and ReLU",
                    std::string(kCommonDefaults) + kMlpDefaults + targetDefaultsYaml("fmnist_mlp"), "accuracy",
                    makeMlpWorkload,
                    [](const RunConfig& run, const ConfigSection& root) {
                      // 6 x weights x examples: forward 2 flops per weight, backward 4.
                      double weights = 0.0, in = 784.0;
                      for (int64_t w : root.section("model").getIntList("widths", {1024, 1024})) {
                        weights += in * static_cast<double>(w);
                        in = static_cast<double>(w);
                      }
                      weights += in * 10.0;
                      return 6.0 * weights * static_cast<double>(run.training.batchSize) *
                             static_cast<double>(run.training.maxSteps);
                    }};
  WorkloadEntry cnn{"fmnist_cnn", "Fashion-MNIST, convnet: 2x (conv3x3 + BatchNorm + ReLU + maxpool), FC 128",
                    std::string(kCommonDefaults) + kCnnDefaults + targetDefaultsYaml("fmnist_cnn"), "accuracy",
                    makeCnnWorkload, {}};
  // Variants (AlgoPerf's robustness check): activation swap, norm swap, model size.
  registry.add(makeWorkloadVariant(mlp, "fmnist_mlp_gelu", "fmnist_mlp with GELU instead of ReLU",
                                   {{"model.activation", "gelu"}}));
  registry.add(makeWorkloadVariant(mlp, "fmnist_mlp_layernorm", "fmnist_mlp with LayerNorm instead of BatchNorm",
                                   {{"model.norm", "layer"}}));
  registry.add(makeWorkloadVariant(mlp, "fmnist_mlp_small", "fmnist_mlp with hidden widths 256-256 (default lr 0.1)",
                                   {{"model.widths", "[256, 256]"}, {"optimizer.lr", "0.1"}}));
  registry.add(makeWorkloadVariant(cnn, "fmnist_cnn_small", "fmnist_cnn with channels 16-32 and FC 64 (default lr 0.1)",
                                   {{"model.channels", "[16, 32]"}, {"model.hidden", "64"}, {"optimizer.lr", "0.1"}}));
  registry.add(makeWorkloadVariant(cnn, "fmnist_cnn_ghost", "fmnist_cnn with Ghost BatchNorm (ghost batches of 32)",
                                   {{"model.norm", "ghost"}, {"model.ghost_size", "32"}}));
  registry.add(std::move(mlp));
  registry.add(std::move(cnn));
}

}  // namespace gaplab
