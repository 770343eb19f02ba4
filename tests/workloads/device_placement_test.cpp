// tests/workloads/device_placement_test.cpp — `device: cuda` where it cannot run:
// a clear error naming the config key and the reason, before any training.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "core/device_memory.h"
#include "distributed/communicator.h"
#include "workloads/single_run.h"

namespace gaplab {
namespace {

TEST(DevicePlacement, CudaWithoutAGpuNamesTheKeyAndTheReason) {
  if (cudaAvailable()) GTEST_SKIP() << "a GPU is visible: tests/workloads/cuda runs on it";
  const std::string path = ::testing::TempDir() + "/" + std::to_string(getpid()) + "_device.yaml";
  std::ofstream(path) << "workload: noop\ndevice: cuda\n";
  PreparedRun run = prepareRun(path, {});
  LocalCommunicator comm;
  try {
    executeRun(run, comm, nullptr, nullptr);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("device"), std::string::npos) << message;
    EXPECT_NE(message.find(cudaUnavailableReason()), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace gaplab
