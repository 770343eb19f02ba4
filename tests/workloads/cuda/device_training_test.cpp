// tests/workloads/cuda/device_training_test.cpp — whole training runs on the GPU
// against the same runs on the CPU (label gpu; skipped without a GPU).
//
// Why: per-op parity (tests/core/cuda) does not catch a step that forgets to
// move something, an optimizer state left on the host, or a checkpoint that
// writes a device pointer. These run the real workloads through executeRun with
// `device: cuda` and compare every evaluation with the CPU run's.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "core/device_memory.h"
#include "distributed/communicator.h"
#include "workloads/single_run.h"

namespace gaplab {
namespace {

namespace fs = std::filesystem;

// Runs of a workload in a temporary directory; the CPU halves of the GPU tests
// (TrainingRunsTest) need no GPU.
class TrainingRunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("gaplab_gpu_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  TrialResult run(const std::string& workload, std::vector<std::string> overrides, const CheckpointPlan* plan = nullptr) {
    const fs::path config = dir_ / "run.yaml";
    std::ofstream(config) << "workload: " << workload << "\nseed: 0\n";
    overrides.push_back("threads=1");
    PreparedRun prepared = prepareRun(config.string(), overrides);
    LocalCommunicator comm;
    return executeRun(prepared, comm, nullptr, nullptr, plan);
  }

  // Same number of evaluations; losses and metrics within `rel` of the CPU run's.
  static void expectCurvesClose(const TrialResult& cpu, const TrialResult& gpu, double rel) {
    ASSERT_EQ(gpu.status, cpu.status) << gpu.statusMessage;
    ASSERT_EQ(cpu.curve.size(), gpu.curve.size());
    for (std::size_t i = 0; i < cpu.curve.size(); ++i) {
      const EvalRecord& c = cpu.curve[i];
      const EvalRecord& g = gpu.curve[i];
      EXPECT_EQ(c.step, g.step);
      EXPECT_NEAR(g.trainLoss, c.trainLoss, rel * std::fabs(c.trainLoss)) << "step " << c.step;
      EXPECT_NEAR(g.validationLoss, c.validationLoss, rel * std::fabs(c.validationLoss)) << "step " << c.step;
      EXPECT_NEAR(g.validationMetric, c.validationMetric, rel * std::fabs(c.validationMetric) + 1e-3)
          << "step " << c.step;
    }
  }

  fs::path dir_;
};

class DeviceTrainingTest : public TrainingRunsTest {
 protected:
  void SetUp() override {
    if (!cudaAvailable()) GTEST_SKIP() << cudaUnavailableReason();
    TrainingRunsTest::SetUp();
  }
};

// schedule.warmup_steps: the defaults (100) exceed these runs' step budgets (a config
// error); 2 also fits the out-of-memory test's 2 steps.
const std::vector<std::string> kTinyLm = {
    "model.layers=2", "model.width=32", "model.heads=2", "model.context=32", "training.batch_size=8",
    "training.max_steps=30", "training.eval_every_steps=10", "data.eval_windows=4", "target.value=0.1",
    "schedule.warmup_steps=2"};
const std::vector<std::string> kShortFmnistMlp = {"training.max_steps=40", "training.eval_every_steps=20",
                                                  "target.value=0.99", "schedule.warmup_steps=2"};
const char* const kFashionMnist = "/usr/share/datasets/fashion-mnist";

// The CPU halves of the tests below, here where there is no GPU: every config
// they train is valid and runs to its step budget, and a continued run starts
// from its checkpoint's weights.
TEST_F(TrainingRunsTest, TheCpuHalvesOfTheDeviceTestsRun) {
  for (const char* workload : {"lm", "moe_lm"}) {
    const TrialResult r = run(workload, kTinyLm);
    EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << workload << ": " << r.statusMessage;
    EXPECT_EQ(r.curve.size(), 3u) << workload;
  }
  if (fs::exists(kFashionMnist)) {
    const TrialResult r = run("fmnist_mlp", kShortFmnistMlp);
    EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.statusMessage;
  }
  const fs::path checkpoint = dir_ / "pre.ckpt";
  CheckpointPlan plan;
  plan.path = checkpoint.string();
  plan.onFinish = true;
  ASSERT_EQ(run("lm", kTinyLm, &plan).status, TrialStatus::kMaxSteps);
  std::vector<std::string> cont = kTinyLm;
  cont.push_back("model.init_from=" + checkpoint.string());
  cont.push_back("training.eval_at_start=true");
  const TrialResult continued = run("lm", cont);
  ASSERT_EQ(continued.status, TrialStatus::kMaxSteps) << continued.statusMessage;
  ASSERT_EQ(continued.curve.size(), 4u);
  EXPECT_LT(continued.curve.front().validationMetric, 7.0);
  // The out-of-memory test's config is valid (its batch is only too large for a GPU).
  std::vector<std::string> oom = kTinyLm;
  oom.push_back("device=cuda");
  oom.push_back("training.batch_size=4000000");
  oom.push_back("training.max_steps=2");
  oom.push_back("threads=1");
  const fs::path config = dir_ / "oom.yaml";
  std::ofstream(config) << "workload: lm\nseed: 0\n";
  EXPECT_NO_THROW(prepareRun(config.string(), oom));
}

TEST_F(DeviceTrainingTest, LmRunMatchesTheCpuRun) {
  const TrialResult cpu = run("lm", kTinyLm);
  std::vector<std::string> gpu = kTinyLm;
  gpu.push_back("device=cuda");
  expectCurvesClose(cpu, run("lm", gpu), 2e-3);
}

TEST_F(DeviceTrainingTest, MoeLmRunMatchesTheCpuRun) {
  std::vector<std::string> o = kTinyLm;
  const TrialResult cpu = run("moe_lm", o);
  o.push_back("device=cuda");
  expectCurvesClose(cpu, run("moe_lm", o), 5e-3);
}

TEST_F(DeviceTrainingTest, FmnistMlpRunMatchesTheCpuRun) {
  if (!fs::exists(kFashionMnist)) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const std::vector<std::string>& o = kShortFmnistMlp;
  const TrialResult cpu = run("fmnist_mlp", o);
  std::vector<std::string> g = o;
  g.push_back("device=cuda");
  expectCurvesClose(cpu, run("fmnist_mlp", g), 2e-3);
}

TEST_F(DeviceTrainingTest, Bf16AutocastStaysCloseToFp32) {
  std::vector<std::string> fp32 = kTinyLm, bf16 = kTinyLm;
  fp32.push_back("device=cuda");
  bf16.push_back("device=cuda");
  bf16.push_back("precision=bf16");
  expectCurvesClose(run("lm", fp32), run("lm", bf16), 3e-2);
}

// A checkpoint written by a GPU run (device weights synced to the host) is read
// by a CPU run and by a GPU run (uploaded): both continue from the same weights.
TEST_F(DeviceTrainingTest, GpuCheckpointContinuesOnCpuAndGpuAlike) {
  const fs::path checkpoint = dir_ / "pre.ckpt";
  std::vector<std::string> pre = kTinyLm;
  pre.push_back("device=cuda");
  CheckpointPlan plan;
  plan.path = checkpoint.string();
  plan.onFinish = true;
  ASSERT_EQ(run("lm", pre, &plan).status, TrialStatus::kMaxSteps);
  ASSERT_TRUE(fs::exists(checkpoint));
  std::vector<std::string> cont = kTinyLm;
  cont.push_back("model.init_from=" + checkpoint.string());
  cont.push_back("training.eval_at_start=true");
  const TrialResult cpu = run("lm", cont);
  cont.push_back("device=cuda");
  const TrialResult gpu = run("lm", cont);
  expectCurvesClose(cpu, gpu, 2e-3);
  // Evaluated before the first step: the pre-trained weights, far below a fresh model's 8 bits per byte.
  EXPECT_LT(gpu.curve.front().validationMetric, 7.0);
}

// A batch whose activations cannot fit (4M windows of 32 bytes: the logits alone would take 131 GB) is a
// failed trial with the allocator's message, not a crash; the device still works.
TEST_F(DeviceTrainingTest, OutOfMemoryIsAFailedTrialWithAClearMessage) {
  std::vector<std::string> o = kTinyLm;
  o.push_back("device=cuda");
  o.push_back("training.batch_size=4000000");
  o.push_back("training.max_steps=2");
  const TrialResult r = run("lm", o);
  EXPECT_EQ(r.status, TrialStatus::kFailed);
  EXPECT_NE(r.statusMessage.find("CUDA out of memory"), std::string::npos) << r.statusMessage;
  EXPECT_EQ(Tensor::full({2}, 3.0f, Device::kCuda).toVector(), std::vector<float>(2, 3.0f));
}

// training.cuda_graph: the step captured once and replayed gives the eager
// run's curve (the same kernels on the same data), and says it replayed.
TEST_F(DeviceTrainingTest, CudaGraphRunMatchesTheEagerRun) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  std::vector<std::string> eager = kShortFmnistMlp;
  eager.push_back("device=cuda");
  std::vector<std::string> graph = eager;
  graph.push_back("training.cuda_graph=true");
  const TrialResult e = run("fmnist_mlp", eager);
  const TrialResult g = run("fmnist_mlp", graph);
  expectCurvesClose(e, g, 1e-6);
  EXPECT_NE(g.statusMessage.find("CUDA graph replayed for"), std::string::npos) << g.statusMessage;
}

// Dropout draws its mask on the host every step: the capture is refused, the
// run trains eagerly and says why.
TEST_F(DeviceTrainingTest, CudaGraphFallsBackToEagerStepsWhenAnOpCannotBeCaptured) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  std::vector<std::string> o = kShortFmnistMlp;
  o.push_back("device=cuda");
  o.push_back("model.dropout=0.1");
  o.push_back("training.cuda_graph=true");
  const TrialResult r = run("fmnist_mlp", o);
  EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.statusMessage;
  EXPECT_NE(r.statusMessage.find("training.cuda_graph not used"), std::string::npos) << r.statusMessage;
}

// The dense LM staged on the device (token and position ids in device buffers,
// the table gradients scanned on the GPU): the captured and replayed step
// gives the eager GPU run's curve.
TEST_F(DeviceTrainingTest, LmCudaGraphRunMatchesTheEagerRun) {
  std::vector<std::string> eager = kTinyLm;
  eager.push_back("device=cuda");
  std::vector<std::string> graph = eager;
  graph.push_back("training.cuda_graph=true");
  const TrialResult e = run("lm", eager);
  const TrialResult g = run("lm", graph);
  expectCurvesClose(e, g, 1e-5);
  EXPECT_NE(g.statusMessage.find("CUDA graph replayed for"), std::string::npos) << g.statusMessage;
}

// MoE reads its routing back to the host every step: no graph, eager steps, and the reason.
TEST_F(DeviceTrainingTest, MoeLmCudaGraphFallsBackAndSaysWhy) {
  std::vector<std::string> o = kTinyLm;
  o.push_back("device=cuda");
  o.push_back("training.cuda_graph=true");
  const TrialResult r = run("moe_lm", o);
  EXPECT_EQ(r.status, TrialStatus::kMaxSteps) << r.statusMessage;
  EXPECT_NE(r.statusMessage.find("training.cuda_graph not used"), std::string::npos) << r.statusMessage;
  EXPECT_NE(r.statusMessage.find("MoE reads its routing back"), std::string::npos) << r.statusMessage;
}

}  // namespace
}  // namespace gaplab
