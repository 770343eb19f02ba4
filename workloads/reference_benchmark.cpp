// workloads/reference_benchmark.cpp — the CPU cases of DESIGN.md. mlp_b128 / mlp_b1024: 784-1024-1024-10 with
// BatchNorm + ReLU, SGD momentum 0.9, random inputs; warm-up steps, then the mean
// time of the timed steps, exactly as the PyTorch reference measures.
#include "workloads/reference_benchmark.h"

#include <chrono>
#include <stdexcept>

#include "core/ops/cross_entropy.h"
#include "core/optim/adamw.h"
#include "core/optim/sgd.h"
#include "core/ops/add.h"
#include "core/rng.h"
#include "workloads/gpt_model.h"
#include "workloads/mlp_model.h"
#include "workloads/single_run.h"

namespace gaplab {
namespace {

double mlpSamplesPerSecond(int64_t batch, const BenchmarkOptions& options) {
  ParameterArena arena;
  MlpSpec spec;  // the reference model: 784-1024-1024-10, BatchNorm + ReLU
  auto model = buildMlp(arena, spec);
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  Tensor x = Tensor::empty({batch, spec.inputs});
  RngStream data(0, RngPurpose::kSynthetic);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = data.normal();
  std::vector<int32_t> labels(static_cast<std::size_t>(batch));
  for (auto& l : labels) l = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.classes)));
  SgdOptions so;
  so.momentum = Momentum::kHeavyBall;
  so.beta = 0.9f;
  Sgd sgd(so);
  Variable input(x, RequiresGrad::kNo);
  auto step = [&](int64_t i) {
    arena.zeroGrad();
    Tape tape;
    Variable logits = model->forward(tape, input, ForwardContext{NormMode::kTrain, 0, i});
    Variable loss = softmaxCrossEntropy(tape, logits, labels);
    tape.backward(loss);
    sgd.step(arena, 0.1f);
  };
  for (int i = 0; i < options.warmupSteps; ++i) step(i);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < options.timedSteps; ++i) step(options.warmupSteps + i);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / options.timedSteps;
  return static_cast<double>(batch) / s;
}

// lm / moe8k2: GPT with 4 layers, width 128, 4 heads, context 128, 256-byte vocab,
// 32 sequences, AdamW lr 1e-3; moe8k2 puts 8 experts top-2 in every block.
double lmTokensPerSecond(int64_t experts, const BenchmarkOptions& options) {
  GptSpec spec;  // defaults are the reference model
  if (experts > 0) {
    spec.moeEvery = 1;
    spec.moe.experts = experts;
    spec.moe.topK = 2;
  }
  const int64_t batch = 32, length = spec.context;
  ParameterArena arena;
  GptModel model(arena, spec);
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  RngStream data(0, RngPurpose::kSynthetic);
  std::vector<int32_t> inputs(static_cast<std::size_t>(batch * length)), targets(inputs.size());
  for (auto& t : inputs) t = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.vocab)));
  for (auto& t : targets) t = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.vocab)));
  AdamWOptions ao;
  ao.weightDecay = 0.01f;  // PyTorch's AdamW default
  AdamW adamw(ao);
  auto step = [&](int64_t i) {
    arena.zeroGrad();
    Tape tape;
    GptModel::Output out = model.forward(tape, inputs, batch, length, ForwardContext{NormMode::kTrain, 0, i});
    Variable loss = softmaxCrossEntropy(tape, out.logits, targets);
    if (out.auxLoss.defined()) loss = add(tape, loss, out.auxLoss);
    tape.backward(loss);
    adamw.step(arena, 1e-3f);
  };
  for (int i = 0; i < options.warmupSteps; ++i) step(i);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < options.timedSteps; ++i) step(options.warmupSteps + i);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / options.timedSteps;
  return static_cast<double>(batch * length) / s;
}

}  // namespace

std::vector<std::string> referenceBenchmarkCases(const std::string& device) {
  if (device == "cpu") return {"mlp_b128", "mlp_b1024", "lm", "moe8k2"};
  if (device == "cuda")
    throw std::invalid_argument("bench: this binary has no CUDA backend yet (the CUDA issue adds mlp_b128, "
                                "mlp_b4096, lm and moe8k2 on cuda); use --device cpu");
  throw std::invalid_argument("bench: unknown device '" + device + "'; expected cpu or cuda");
}

void runReferenceBenchmarks(const BenchmarkOptions& options, const std::function<void(const BenchmarkLine&)>& report) {
  const std::vector<std::string> all = referenceBenchmarkCases(options.device);
  std::vector<std::string> cases = options.cases.empty() ? all : options.cases;
  for (const auto& c : cases) {
    bool known = false;
    for (const auto& a : all) known = known || a == c;
    if (!known) {
      std::string list;
      for (const auto& a : all) list += (list.empty() ? "" : ", ") + a;
      throw std::invalid_argument("bench: unknown case '" + c + "' for device " + options.device + "; expected " + list);
    }
  }
  setComputeThreads(options.threads);
  for (const auto& c : cases) {
    if (c == "lm" || c == "moe8k2") {
      report({c, lmTokensPerSecond(c == "lm" ? 0 : 8, options), "tokens/s"});
      continue;
    }
    const int64_t batch = std::stoll(c.substr(c.find("_b") + 2));
    report({c, mlpSamplesPerSecond(batch, options), "samples/s"});
  }
}

}  // namespace gaplab
