// tests/workloads/run_config_test.cpp — the common sections of a run config:
// defaults, ranges, optimizer-specific keys, unknown workloads and optimizers.
#include "workloads/run_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "workloads/workload_registry.h"

namespace gaplab {
namespace {

// Per-process names: ctest runs these tests in parallel processes.
std::string writeConfig(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

std::string errorOf(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    ConfigDocument doc = loadRunDocument(writeConfig("cfg.yaml", yaml), overrides);
    parseRunConfig(doc);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, WorkloadDefaultsFillEverything) {
  ConfigDocument doc = loadRunDocument(writeConfig("ok.yaml", "workload: fmnist_mlp\n"), {});
  RunConfig rc = parseRunConfig(doc);
  EXPECT_EQ(rc.workload, "fmnist_mlp");
  EXPECT_EQ(rc.training.batchSize, 128);
  EXPECT_EQ(rc.optimizer.name, "momentum");
  EXPECT_DOUBLE_EQ(rc.target.value, 0.89);
  EXPECT_EQ(rc.schedule.totalSteps, rc.training.maxSteps);
}

TEST(RunConfig, OverridesWin) {
  ConfigDocument doc = loadRunDocument(writeConfig("ov.yaml", "workload: fmnist_mlp\n"),
                                       {"training.batch_size=512", "optimizer.name=adamw", "optimizer.lr=0.001"});
  RunConfig rc = parseRunConfig(doc);
  EXPECT_EQ(rc.training.batchSize, 512);
  EXPECT_EQ(rc.optimizer.name, "adamw");
}

TEST(RunConfig, BucketSizeDefaultsTo25MiBAndIsRangeChecked) {
  ConfigDocument doc = loadRunDocument(writeConfig("bucket.yaml", "workload: fmnist_mlp\n"), {});
  EXPECT_DOUBLE_EQ(parseRunConfig(doc).distributed.bucketMb, 25.0);
  ConfigDocument small = loadRunDocument(writeConfig("bucket2.yaml", "workload: fmnist_mlp\n"), {"distributed.bucket_mb=0.5"});
  EXPECT_DOUBLE_EQ(parseRunConfig(small).distributed.bucketMb, 0.5);
  EXPECT_NE(errorOf("workload: fmnist_mlp\ndistributed:\n  bucket_mb: 0\n").find("bucket_mb"), std::string::npos);
  EXPECT_NE(errorOf("workload: fmnist_mlp\n", {"distributed.bucket_mb=2048"}).find("bucket_mb"), std::string::npos);
}

TEST(RunConfig, DeviceAndPrecisionDefaultToCpuFp32WithoutEnteringTheTrialId) {
  ConfigDocument doc = loadRunDocument(writeConfig("dev.yaml", "workload: fmnist_mlp\n"), {});
  RunConfig rc = parseRunConfig(doc);
  EXPECT_EQ(rc.device, Device::kCpu);
  EXPECT_EQ(rc.precision, ComputePrecision::kFp32);
  EXPECT_EQ(doc.dump().find("device"), std::string::npos) << doc.dump();
  ConfigDocument gpu = loadRunDocument(writeConfig("dev2.yaml", "workload: fmnist_mlp\ndevice: cuda\nprecision: bf16\n"), {});
  RunConfig g = parseRunConfig(gpu);
  EXPECT_EQ(g.device, Device::kCuda);
  EXPECT_EQ(g.precision, ComputePrecision::kBf16);
}

TEST(RunConfig, RejectsUnknownDeviceAndGpuPrecisionOnTheCpu) {
  const std::string device = errorOf("workload: fmnist_mlp\ndevice: tpu\n");
  EXPECT_NE(device.find("cfg.yaml:2: device"), std::string::npos) << device;
  EXPECT_NE(device.find("cuda"), std::string::npos) << device;
  const std::string precision = errorOf("workload: fmnist_mlp\nprecision: tf32\n");
  EXPECT_NE(precision.find("cfg.yaml:2: precision"), std::string::npos) << precision;
  EXPECT_NE(precision.find("device: cuda"), std::string::npos) << precision;
}

TEST(RunConfig, CudaGraphIsOffByDefaultAndNeedsCuda) {
  ConfigDocument doc = loadRunDocument(writeConfig("graph.yaml", "workload: fmnist_mlp\n"), {});
  EXPECT_FALSE(parseRunConfig(doc).training.cudaGraph);
  const std::string msg = errorOf("workload: fmnist_mlp\ntraining:\n  cuda_graph: true\n");
  EXPECT_NE(msg.find("cfg.yaml:3: training.cuda_graph"), std::string::npos) << msg;
  EXPECT_NE(msg.find("device: cuda"), std::string::npos) << msg;
  ConfigDocument gpu = loadRunDocument(
      writeConfig("graph2.yaml", "workload: fmnist_mlp\ndevice: cuda\ntraining:\n  cuda_graph: true\n"), {});
  EXPECT_TRUE(parseRunConfig(gpu).training.cudaGraph);
}

TEST(RunConfig, RejectsNonPositiveBatchSize) {
  for (const char* v : {"0", "-5"}) {
    const std::string msg = errorOf(std::string("workload: fmnist_mlp\ntraining:\n  batch_size: ") + v + "\n");
    EXPECT_NE(msg.find("cfg.yaml:3: training.batch_size"), std::string::npos) << msg;
    EXPECT_NE(msg.find(">= 1"), std::string::npos) << msg;
  }
}

TEST(RunConfig, RejectsUnknownWorkloadListingTheRegisteredOnes) {
  const std::string msg = errorOf("workload: imagenet_vit\n");
  EXPECT_NE(msg.find("imagenet_vit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fmnist_mlp"), std::string::npos) << msg;
}

TEST(RunConfig, RejectsMissingWorkload) {
  EXPECT_NE(errorOf("seed: 1\n").find("workload: missing"), std::string::npos);
}

TEST(RunConfig, RejectsUnknownOptimizer) {
  const std::string msg = errorOf("workload: fmnist_mlp\noptimizer:\n  name: adagrad\n");
  EXPECT_NE(msg.find("optimizer.name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("adagrad"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nadamw"), std::string::npos) << msg;
}

TEST(RunConfig, RejectsKeysOfAnotherOptimizer) {
  EXPECT_NE(errorOf("workload: fmnist_mlp\noptimizer:\n  name: sgd\n  beta1: 0.9\n").find("beta1"), std::string::npos);
  EXPECT_NE(errorOf("workload: fmnist_mlp\noptimizer:\n  name: adamw\n  momentum: 0.9\n").find("momentum"),
            std::string::npos);
}

TEST(RunConfig, RejectsWrongTypes) {
  const std::string msg = errorOf("workload: fmnist_mlp\noptimizer:\n  lr: fast\n");
  EXPECT_NE(msg.find("optimizer.lr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'fast'"), std::string::npos) << msg;
}

TEST(RunConfig, TrialIdIsStableAndSensitive) {
  EXPECT_EQ(trialIdOf("a: 1\n"), trialIdOf("a: 1\n"));
  EXPECT_NE(trialIdOf("a: 1\n"), trialIdOf("a: 2\n"));
  EXPECT_EQ(trialIdOf("x").size(), 16u);
}

}  // namespace
}  // namespace gaplab

namespace gaplab {
namespace {

TEST(RunConfig, WorkloadDefaultsOfAnotherOptimizerAreNotTheUsersMistake) {
  // lm's defaults carry Adam betas; switching to momentum must not blame the user for them.
  ConfigDocument doc = loadRunDocument(writeConfig("lm.yaml", "workload: lm\n"), {"optimizer.name=momentum"});
  RunConfig rc = parseRunConfig(doc);
  EXPECT_EQ(rc.optimizer.name, "momentum");
  EXPECT_NO_THROW(doc.checkUnknownKeys());
  // ...but the same key written by the user is an error.
  EXPECT_NE(errorOf("workload: lm\noptimizer:\n  name: momentum\n  beta1: 0.9\n").find("beta1"), std::string::npos);
}

TEST(RunConfig, TargetDirectionFollowsTheMetric) {
  ConfigDocument doc = loadRunDocument(writeConfig("l.yaml", "workload: fmnist_mlp\n"),
                                       {"target.metric=loss", "target.value=0.3"});
  EXPECT_EQ(parseRunConfig(doc).target.direction, TargetDirection::kAtMost);
}

TEST(RunConfig, EmptyValueIsAnErrorNotTheDefault) {
  const std::string msg = errorOf("workload: fmnist_mlp\noptimizer:\n  lr:\n");
  EXPECT_NE(msg.find("optimizer.lr: got no value"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gaplab
