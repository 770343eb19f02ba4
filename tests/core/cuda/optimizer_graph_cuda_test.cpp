// tests/core/cuda/optimizer_graph_cuda_test.cpp — the GPU optimizer step split
// for CUDA graphs (Optimizer::stageStep + enqueueUpdate) against step().
//
// Two GPU arenas with the same layout and initial values receive the same
// gradients and the same changing learning rate. One runs step(); the other
// runs either stageStep + enqueueUpdate every step, or stageStep + the launch
// of a CUDA graph captured once around enqueueUpdate. Both must give the same
// bits: values, every optimizer state and (LAMB) the trust ratios. A kernel
// that still took a step scalar (lr, bias correction, decay factor) by value
// would replay step 1's numbers in the graph and fail here. Also: softmax
// cross-entropy with labels already on the device against the host-label version.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/cuda/stream.h"
#include "core/ops/add.h"
#include "core/ops/cross_entropy.h"
#include "core/optim/adamw.h"
#include "core/optim/lamb.h"
#include "core/optim/nadamw.h"
#include "core/optim/sgd.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

// A graph captured once from the work `enqueue` puts on the compute stream,
// then launched any number of times on it.
class CapturedGraph {
 public:
  explicit CapturedGraph(const std::function<void()>& enqueue) {
    cudaStream_t stream = cuda::computeStream();
    GAPLAB_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(stream, &broken);  // leave the stream usable
      if (broken) cudaGraphDestroy(broken);
      throw;
    }
    GAPLAB_CUDA_CHECK(cudaStreamEndCapture(stream, &graph_));
    GAPLAB_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
  }
  ~CapturedGraph() {
    if (exec_) cudaGraphExecDestroy(exec_);
    if (graph_) cudaGraphDestroy(graph_);
  }
  CapturedGraph(const CapturedGraph&) = delete;
  CapturedGraph& operator=(const CapturedGraph&) = delete;
  void launch() { GAPLAB_CUDA_CHECK(cudaGraphLaunch(exec_, cuda::computeStream())); }

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

// Decayed and undecayed tensors, two adjacent decayed tensors (one decay
// segment), tensors longer than a LAMB chunk, odd sizes, an all-zero tensor.
void declareModel(ParameterArena& arena) {
  arena.addParameter("w1", {37, 129}, Init::uniform(0.5f));
  arena.addParameter("b1", {129}, Init::uniform(0.5f), WeightDecay::kSkip);
  arena.addParameter("w2", {4100}, Init::uniform(0.5f));
  arena.addParameter("w3", {3, 333}, Init::uniform(0.5f));
  arena.addParameter("z", {5}, Init::zeros(), WeightDecay::kSkip);
  arena.addParameter("g", {7}, Init::ones(), WeightDecay::kSkip);
}

struct GpuTwins {
  ParameterArena eager, other;
  GpuTwins() {
    for (ParameterArena* a : {&eager, &other}) {
      declareModel(*a);
      RngStream rng(7, RngPurpose::kInit);
      a->allocate(rng);
      a->moveTo(Device::kCuda);
    }
  }
  // The same gradients into both (the graph reads them from the same pointer every launch).
  void setGrads(uint64_t seed) {
    const Tensor g = testing::randomHostTensor({eager.size()}, seed);
    const auto bytes = static_cast<std::size_t>(g.numel()) * sizeof(float);
    copyHostToDevice(eager.grads(), g.data(), bytes);
    copyHostToDevice(other.grads(), g.data(), bytes);
  }
};

void expectBitIdentical(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(float)), 0) << what << "[" << i << "]: " << a[i] << " vs " << b[i];
  }
}

void expectArenasBitIdentical(GpuTwins& twins) {
  expectBitIdentical(twins.eager.hostValues(), twins.other.hostValues(), "values");
  twins.eager.syncToHost();
  twins.other.syncToHost();
  ASSERT_EQ(twins.eager.states().size(), twins.other.states().size());
  for (const auto& [name, state] : twins.eager.states()) {
    ASSERT_EQ(twins.other.states().count(name), 1u) << name;
    const AlignedFloats& o = twins.other.states().at(name);
    expectBitIdentical(std::vector<float>(state.begin(), state.end()), std::vector<float>(o.begin(), o.end()), name);
  }
}

enum class Path { kStaged, kGraph };

// A learning rate that rises and falls, so no two consecutive steps share one.
float learningRate(float base, int step) {
  static const float kFactor[] = {0.3f, 0.7f, 1.0f, 0.85f, 0.4f, 0.55f, 0.2f};
  return base * kFactor[step % 7];
}

// Runs `steps` steps on both arenas: step() on `eager`, the chosen path on
// `other`; `afterStep(a, b, s)` may compare more (LAMB's trust ratios).
// Keeps the GPU busy for a few milliseconds, so that the work queued after it
// (a graph's copy of the scalar block) runs well after the host returns: a
// stageStep that did not wait for that copy would overwrite the pinned block
// first, and the launch would use the next step's scalars.
void keepGpuBusy(Tensor& big) {
  for (int i = 0; i < 20; ++i) big.fill(static_cast<float>(i));
}

template <class OptimizerType, class Options>
void checkPath(const Options& options, float baseLr, Path path, int steps = 7,
               const std::function<void(OptimizerType&, OptimizerType&, int)>& afterStep = {}) {
  GpuTwins twins;
  OptimizerType eager(options), other(options);
  std::unique_ptr<CapturedGraph> graph;
  Tensor big = Tensor::empty({int64_t(1) << 26}, Device::kCuda);  // 256 MiB
  for (int s = 0; s < steps; ++s) {
    twins.setGrads(300 + static_cast<uint64_t>(s));
    const float lr = learningRate(baseLr, s);
    eager.step(twins.eager, lr);
    other.stageStep(twins.other, lr);
    keepGpuBusy(big);
    if (path == Path::kStaged) {
      other.enqueueUpdate(twins.other);
    } else {
      if (!graph) graph = std::make_unique<CapturedGraph>([&] { other.enqueueUpdate(twins.other); });
      graph->launch();
    }
    if (afterStep) afterStep(eager, other, s);
  }
  EXPECT_EQ(eager.stepCount(), steps);
  EXPECT_EQ(other.stepCount(), steps);
  synchronizeDevice();
  expectArenasBitIdentical(twins);
}

// The values must also have moved: a graph that replayed nothing would leave
// `other` at its initial values, caught by the comparison above only if eager moved.
TEST(OptimizerGraphCuda, StepsChangeTheValues) {
  GAPLAB_REQUIRE_GPU();
  GpuTwins twins;
  const std::vector<float> before = twins.other.hostValues();
  AdamW opt(AdamWOptions{0.9f, 0.999f, 1e-8f, 0.1f});
  twins.setGrads(1);
  opt.stageStep(twins.other, 0.01f);
  CapturedGraph graph([&] { opt.enqueueUpdate(twins.other); });
  graph.launch();
  const std::vector<float> after = twins.other.hostValues();
  int64_t moved = 0;
  for (std::size_t i = 0; i < before.size(); ++i) moved += before[i] != after[i];
  EXPECT_GT(moved, static_cast<int64_t>(before.size()) / 2);
}

TEST(OptimizerGraphCuda, SgdHeavyBallStagedMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Sgd>(SgdOptions{Momentum::kHeavyBall, 0.9f, 0.1f}, 0.05f, Path::kStaged);
}

TEST(OptimizerGraphCuda, SgdHeavyBallGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Sgd>(SgdOptions{Momentum::kHeavyBall, 0.9f, 0.1f}, 0.05f, Path::kGraph);
}

TEST(OptimizerGraphCuda, SgdNesterovStagedMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Sgd>(SgdOptions{Momentum::kNesterov, 0.8f, 0.1f}, 0.05f, Path::kStaged);
}

TEST(OptimizerGraphCuda, SgdNesterovGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Sgd>(SgdOptions{Momentum::kNesterov, 0.8f, 0.1f}, 0.05f, Path::kGraph);
}

TEST(OptimizerGraphCuda, SgdWithoutMomentumGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Sgd>(SgdOptions{Momentum::kNone, 0.9f, 0.1f}, 0.05f, Path::kGraph);
}

TEST(OptimizerGraphCuda, AdamWStagedMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<AdamW>(AdamWOptions{0.9f, 0.999f, 1e-8f, 0.1f}, 0.01f, Path::kStaged);
}

TEST(OptimizerGraphCuda, AdamWGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<AdamW>(AdamWOptions{0.9f, 0.999f, 1e-8f, 0.1f}, 0.01f, Path::kGraph);
}

TEST(OptimizerGraphCuda, NAdamWStagedMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<NAdamW>(NAdamWOptions{0.9f, 0.99f, 1e-8f, 0.1f}, 0.01f, Path::kStaged);
}

TEST(OptimizerGraphCuda, NAdamWGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<NAdamW>(NAdamWOptions{0.9f, 0.99f, 1e-8f, 0.1f}, 0.01f, Path::kGraph);
}

void expectSameTrustRatios(Lamb& eager, Lamb& other, int step) {
  const std::vector<double>& a = eager.lastTrustRatios();
  const std::vector<double>& b = other.lastTrustRatios();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "step " << step << ", tensor " << i;
}

TEST(OptimizerGraphCuda, LambStagedMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Lamb>(LambOptions{0.9f, 0.999f, 1e-6f, 0.1f}, 0.01f, Path::kStaged, 7, expectSameTrustRatios);
}

TEST(OptimizerGraphCuda, LambGraphMatchesStep) {
  GAPLAB_REQUIRE_GPU();
  checkPath<Lamb>(LambOptions{0.9f, 0.999f, 1e-6f, 0.1f}, 0.01f, Path::kGraph, 7, expectSameTrustRatios);
}

TEST(OptimizerGraphCuda, LambTrustRatiosReadBetweenGraphLaunches) {
  // Ratios are read only every other step: the lazy copy must still see the
  // latest launch's ratios, not a stale buffer.
  GAPLAB_REQUIRE_GPU();
  checkPath<Lamb>(LambOptions{0.9f, 0.999f, 1e-6f, 0.0f}, 0.02f, Path::kGraph, 6, [](Lamb& a, Lamb& b, int s) {
    if (s % 2 == 1) expectSameTrustRatios(a, b, s);
  });
}

TEST(OptimizerGraphCuda, EnqueueBeforeStageThrows) {
  GAPLAB_REQUIRE_GPU();
  GpuTwins twins;
  AdamW opt;
  EXPECT_THROW(opt.enqueueUpdate(twins.other), std::logic_error);
  EXPECT_THROW(opt.stageStep(twins.other, -1.0f), std::invalid_argument);
  EXPECT_EQ(opt.stepCount(), 0);
}

// ---- softmax cross-entropy with device labels ----

std::vector<int32_t> randomLabels(int64_t rows, int64_t classes, uint64_t seed) {
  RngStream rng(seed, RngPurpose::kSynthetic, 7);
  std::vector<int32_t> labels(static_cast<std::size_t>(rows));
  for (auto& l : labels) l = static_cast<int32_t>(rng.below(static_cast<uint64_t>(classes)));
  return labels;
}

std::shared_ptr<void> uploadLabels(const std::vector<int32_t>& labels) {
  std::shared_ptr<void> d = allocateDeviceBytes(labels.size() * sizeof(int32_t));
  copyHostToDevice(d.get(), labels.data(), labels.size() * sizeof(int32_t));
  return d;
}

// Same implementation after the upload: loss and dlogits bit for bit, with the
// logits used twice (dlogits assigned, then accumulated).
void checkDeviceLabels(const Shape& shape, float smoothing) {
  GAPLAB_REQUIRE_GPU();
  const int64_t classes = shape.back();
  const int64_t rows = shapeNumel(shape) / classes;
  const std::vector<int32_t> labels = randomLabels(rows, classes, 5);
  const std::shared_ptr<void> deviceLabels = uploadLabels(labels);
  const auto* lab = static_cast<const int32_t*>(deviceLabels.get());
  const Tensor z = testing::randomHostTensor(shape, 21, 3.0f).to(Device::kCuda);
  Variable zh(z, RequiresGrad::kYes), zd(z, RequiresGrad::kYes);
  Tape a, b;
  Variable lh = add(a, softmaxCrossEntropy(a, zh, labels, smoothing), softmaxCrossEntropy(a, zh, labels, 0.0f));
  Variable ld = add(b, softmaxCrossEntropy(b, zd, lab, rows, smoothing), softmaxCrossEntropy(b, zd, lab, rows, 0.0f));
  EXPECT_EQ(ld.value().device(), Device::kCuda);
  EXPECT_EQ(lh.value().item(), ld.value().item());
  a.backward(lh);
  b.backward(ld);
  const Tensor gh = zh.grad().to(Device::kCpu), gd = zd.grad().to(Device::kCpu);
  ASSERT_EQ(gh.numel(), gd.numel());
  expectBitIdentical(std::vector<float>(gh.data(), gh.data() + gh.numel()),
                     std::vector<float>(gd.data(), gd.data() + gd.numel()), "dlogits");
}

TEST(CrossEntropyDeviceLabelsCuda, MatchesHostLabels) { checkDeviceLabels({37, 10}, 0.0f); }
TEST(CrossEntropyDeviceLabelsCuda, MatchesHostLabelsWithSmoothing) { checkDeviceLabels({129, 10}, 0.1f); }
TEST(CrossEntropyDeviceLabelsCuda, MatchesHostLabels3d) { checkDeviceLabels({4, 17, 256}, 0.05f); }
TEST(CrossEntropyDeviceLabelsCuda, MatchesHostLabelsOddClassCount) { checkDeviceLabels({5, 1001}, 0.2f); }

TEST(CrossEntropyDeviceLabelsCuda, MatchesCpu) {
  GAPLAB_REQUIRE_GPU();
  const std::vector<int32_t> labels = randomLabels(45, 10, 4);
  const std::shared_ptr<void> deviceLabels = uploadLabels(labels);
  testing::TwinArenas twin;
  twin.allocate([](ParameterArena&, Device) {});
  auto op = [&](Tape& tape, std::vector<Variable>& x, Device device) {
    if (device == Device::kCpu) return softmaxCrossEntropy(tape, x[0], labels, 0.1f);
    return softmaxCrossEntropy(tape, x[0], static_cast<const int32_t*>(deviceLabels.get()), 45, 0.1f);
  };
  testing::expectOpParity(twin, op, {testing::randomHostTensor({45, 10}, 12, 3.0f)},
                          testing::ParityTolerance{1e-5f, 1e-5f}, testing::ParityTolerance{1e-6f, 1e-4f});
}

TEST(CrossEntropyDeviceLabelsCuda, RejectsBadArguments) {
  GAPLAB_REQUIRE_GPU();
  const std::shared_ptr<void> deviceLabels = uploadLabels({0, 1, 2});
  const auto* lab = static_cast<const int32_t*>(deviceLabels.get());
  Tape tape;
  Variable cpuLogits(Tensor::zeros({3, 4}));
  EXPECT_THROW(softmaxCrossEntropy(tape, cpuLogits, lab, 3), std::invalid_argument);
  Variable logits(Tensor::zeros({3, 4}, Device::kCuda));
  EXPECT_THROW(softmaxCrossEntropy(tape, logits, lab, 2), std::invalid_argument);  // rows != 3
  EXPECT_THROW(softmaxCrossEntropy(tape, logits, lab, 3, 1.0f), std::invalid_argument);
  EXPECT_THROW(softmaxCrossEntropy(tape, logits, nullptr, 3), std::invalid_argument);
}

}  // namespace
}  // namespace gaplab
