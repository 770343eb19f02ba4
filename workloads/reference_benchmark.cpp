// workloads/reference_benchmark.cpp — the cases of DESIGN.md. mlp_b128 / mlp_b1024 (cpu), mlp_b128 /
// mlp_b4096 (cuda): 784-1024-1024-10 with BatchNorm + ReLU, SGD momentum 0.9, random inputs; lm / moe8k2:
// GPT, AdamW. Warm-up steps, then the mean time of the timed steps, exactly as the PyTorch reference
// measures (on cuda: synchronised before the clock starts and before it stops).
#include "workloads/reference_benchmark.h"

#include <chrono>
#include <stdexcept>

#include "core/compute_precision.h"
#include "core/device_graph.h"
#include "core/device_memory.h"
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

// Mean seconds per call of step(i) after `warmupSteps` untimed calls.
template <class Step>
double secondsPerStep(const BenchmarkOptions& options, Device device, Step&& step) {
  for (int i = 0; i < options.warmupSteps; ++i) step(i);
  if (device == Device::kCuda) synchronizeDevice();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < options.timedSteps; ++i) step(options.warmupSteps + i);
  if (device == Device::kCuda) synchronizeDevice();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / options.timedSteps;
}

// `graph` (cuda only, the *_graph cases): the step is captured once as a CUDA
// graph after the warm-up and replayed (labels staged on the device, SGD's
// scalars read from device memory; core/device_graph.h).
double mlpSamplesPerSecond(int64_t batch, const BenchmarkOptions& options, Device device, bool graph) {
  ParameterArena arena;
  MlpSpec spec;  // the reference model: 784-1024-1024-10, BatchNorm + ReLU
  auto model = buildMlp(arena, spec);
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  arena.moveTo(device);
  Tensor x = Tensor::empty({batch, spec.inputs});
  RngStream data(0, RngPurpose::kSynthetic);
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = data.normal();
  std::vector<int32_t> labels(static_cast<std::size_t>(batch));
  for (auto& l : labels) l = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.classes)));
  SgdOptions so;
  so.momentum = Momentum::kHeavyBall;
  so.beta = 0.9f;
  Sgd sgd(so);
  Variable input(x.to(device), RequiresGrad::kNo);
  if (graph) {
    std::shared_ptr<void> deviceLabels = allocateDeviceBytes(labels.size() * sizeof(int32_t));
    copyHostToDevice(deviceLabels.get(), labels.data(), labels.size() * sizeof(int32_t));
    auto stagedStep = [&] {
      arena.zeroGrad();
      Tape tape;
      Variable logits = model->forward(tape, input, ForwardContext{NormMode::kTrain, 0, 0});
      Variable loss =
          softmaxCrossEntropy(tape, logits, static_cast<const int32_t*>(deviceLabels.get()), batch, 0.0f);
      tape.backward(loss);
      sgd.enqueueUpdate(arena);
    };
    for (int i = 0; i < options.warmupSteps; ++i) {
      sgd.stageStep(arena, 0.1f);
      stagedStep();
    }
    sgd.stageStep(arena, 0.1f);
    std::unique_ptr<DeviceGraph> captured = captureDeviceGraph(stagedStep);
    const double s = secondsPerStep(options, device, [&](int64_t i) {
      if (i > 0) sgd.stageStep(arena, 0.1f);
      captured->launch();
    });
    return static_cast<double>(batch) / s;
  }
  const double s = secondsPerStep(options, device, [&](int64_t i) {
    arena.zeroGrad();
    Tape tape;
    Variable logits = model->forward(tape, input, ForwardContext{NormMode::kTrain, 0, i});
    Variable loss = softmaxCrossEntropy(tape, logits, labels);
    tape.backward(loss);
    sgd.step(arena, 0.1f);
  });
  return static_cast<double>(batch) / s;
}

// The GPT of the lm / moe8k2 cases: DESIGN.md's cpu and cuda sizes.
GptSpec benchmarkGptSpec(int64_t experts, Device device) {
  GptSpec spec;  // defaults are the cpu model: 4 layers, width 128, 4 heads, context 128
  if (device == Device::kCuda) {
    spec.layers = 6;
    spec.width = 384;
    spec.heads = 6;
    spec.context = 256;
  }
  if (experts > 0) {
    spec.moeEvery = 1;
    spec.moe.experts = experts;
    spec.moe.topK = 2;
  }
  return spec;
}

// Dense peak FLOP/s of the current GPU at `precision`, from its name (H100 SXM
// unless it says PCIe; H200 as H100 SXM), for the MFU line.
double devicePeakFlops(ComputePrecision precision, std::string* label) {
  const std::string name = cudaDeviceName();
  const bool pcie = name.find("PCIe") != std::string::npos;
  double tflops = 0.0;
  switch (precision) {
    case ComputePrecision::kFp32: tflops = pcie ? 51.2 : 66.9; break;
    case ComputePrecision::kTf32: tflops = pcie ? 378.0 : 494.7; break;
    case ComputePrecision::kBf16: tflops = pcie ? 756.0 : 989.4; break;
  }
  *label = name + ", dense " + toString(precision) + " peak " + std::to_string(static_cast<int>(tflops)) + " TFLOP/s";
  return tflops * 1e12;
}

// lm / moe8k2: GPT with 4 layers, width 128, 4 heads, context 128, 256-byte vocab,
// 32 sequences (cpu) or 6 layers, width 384, 6 heads, context 256, 64 sequences
// (cuda); AdamW lr 1e-3; moe8k2 puts 8 experts top-2 in every block.
double lmTokensPerSecond(const GptSpec& spec, const BenchmarkOptions& options, Device device) {
  const int64_t batch = device == Device::kCuda ? 64 : 32, length = spec.context;
  ParameterArena arena;
  GptModel model(arena, spec);
  RngStream init(0, RngPurpose::kInit);
  arena.allocate(init);
  arena.moveTo(device);
  RngStream data(0, RngPurpose::kSynthetic);
  std::vector<int32_t> inputs(static_cast<std::size_t>(batch * length)), targets(inputs.size());
  for (auto& t : inputs) t = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.vocab)));
  for (auto& t : targets) t = static_cast<int32_t>(data.below(static_cast<uint64_t>(spec.vocab)));
  AdamWOptions ao;
  ao.weightDecay = 0.01f;  // PyTorch's AdamW default
  AdamW adamw(ao);
  const double s = secondsPerStep(options, device, [&](int64_t i) {
    arena.zeroGrad();
    Tape tape;
    GptModel::Output out = model.forward(tape, inputs, batch, length, ForwardContext{NormMode::kTrain, 0, i});
    Variable loss = softmaxCrossEntropy(tape, out.logits, targets);
    if (out.auxLoss.defined()) loss = add(tape, loss, out.auxLoss);
    tape.backward(loss);
    adamw.step(arena, 1e-3f);
  });
  return static_cast<double>(batch * length) / s;
}

}  // namespace

std::vector<std::string> referenceBenchmarkCases(const std::string& device) {
  if (device == "cpu") return {"mlp_b128", "mlp_b1024", "lm", "moe8k2"};
  if (device == "cuda") return {"mlp_b128", "mlp_b4096", "lm", "moe8k2", "mlp_b128_graph", "mlp_b4096_graph"};
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
  const Device device = options.device == "cuda" ? Device::kCuda : Device::kCpu;
  const std::string precision = options.precision.empty() ? (device == Device::kCuda ? "tf32" : "fp32") : options.precision;
  if (precision != "fp32" && precision != "tf32" && precision != "bf16")
    throw std::invalid_argument("bench: unknown precision '" + precision + "'; expected fp32, tf32 or bf16");
  if (device == Device::kCpu && precision != "fp32")
    throw std::invalid_argument("bench: precision " + precision + " needs --device cuda (the cpu computes in fp32)");
  if (device == Device::kCuda) requireCuda("bench --device cuda");
  const ComputePrecision before = computePrecision();
  setComputePrecision(precision == "tf32" ? ComputePrecision::kTf32
                      : precision == "bf16" ? ComputePrecision::kBf16
                                            : ComputePrecision::kFp32);
  setComputeThreads(options.threads);
  for (const auto& c : cases) {
    if (c == "lm" || c == "moe8k2") {
      const GptSpec spec = benchmarkGptSpec(c == "lm" ? 0 : 8, device);
      const double tokensPerSecond = lmTokensPerSecond(spec, options, device);
      report({c, tokensPerSecond, "tokens/s"});
      if (device == Device::kCuda && c == "lm") {
        std::string peak;
        const double flops = countGptParameters(spec).flopsPerToken * tokensPerSecond;
        report({"lm_mfu", 100.0 * flops / devicePeakFlops(computePrecision(), &peak), "% (" + peak + ")"});
      }
      continue;
    }
    const int64_t batch = std::stoll(c.substr(c.find("_b") + 2));  // stoll stops at "_graph"
    const bool graph = c.size() > 6 && c.compare(c.size() - 6, 6, "_graph") == 0;
    report({c, mlpSamplesPerSecond(batch, options, device, graph), "samples/s"});
  }
  setComputePrecision(before);
}

}  // namespace gaplab
