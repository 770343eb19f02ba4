// tests/core/cuda/device_graph_test.cpp — CUDA graph capture and replay
// (core/device_graph.h): replays run the captured work, work that moves host
// data is refused with the stream left usable, and blocks the capture allocated
// stay reserved for the graph (label gpu; skipped without a GPU).
#include "core/device_graph.h"

#include <set>

#include "core/device_memory.h"
#include "core/tensor.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

TEST(DeviceGraph, ReplaysTheCapturedWorkEveryLaunch) {
  GAPLAB_REQUIRE_GPU();
  Tensor counter = Tensor::zeros({4}, Device::kCuda);
  Tensor one = Tensor::full({4}, 1.0f, Device::kCuda);
  Tensor sum;
  std::unique_ptr<DeviceGraph> graph = captureDeviceGraph([&] {
    // counter += 1, through a temporary allocated inside the capture
    Tensor tmp = Tensor::empty({4}, Device::kCuda);
    tmp.copyFrom(counter);
    counter.fill(0.0f);
    sum = Tensor::empty({4}, Device::kCuda);
    sum.copyFrom(tmp);
  });
  // Nothing ran during capture.
  EXPECT_EQ(counter.toVector(), std::vector<float>(4, 0.0f));
  counter.fill(5.0f);
  graph->launch();
  EXPECT_EQ(sum.toVector(), std::vector<float>(4, 5.0f));
  EXPECT_EQ(counter.toVector(), std::vector<float>(4, 0.0f));
  counter.fill(7.0f);
  graph->launch();
  EXPECT_EQ(sum.toVector(), std::vector<float>(4, 7.0f));
}

TEST(DeviceGraph, HostCopiesAreRefusedAndTheStreamStillWorks) {
  GAPLAB_REQUIRE_GPU();
  Tensor t = Tensor::zeros({3}, Device::kCuda);
  const std::vector<float> host{1, 2, 3};
  try {
    captureDeviceGraph([&] { copyHostToDevice(t.data(), host.data(), 3 * sizeof(float)); });
    FAIL() << "expected DeviceGraphCaptureError";
  } catch (const DeviceGraphCaptureError& e) {
    EXPECT_NE(std::string(e.what()).find("host data"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(deviceCaptureActive());
  t.copyFrom(Tensor::fromVector({3}, host));
  EXPECT_EQ(t.toVector(), host);
}

TEST(DeviceGraph, BlocksOfTheCaptureAreNotHandedOutWhileTheGraphLives) {
  GAPLAB_REQUIRE_GPU();
  std::set<const void*> captured;
  std::unique_ptr<DeviceGraph> graph = captureDeviceGraph([&] {
    for (int i = 0; i < 4; ++i) {
      Tensor scratch = Tensor::empty({1000}, Device::kCuda);  // freed at once, back to the graph's pool
      scratch.fill(1.0f);
      captured.insert(scratch.data());
    }
  });
  for (int i = 0; i < 8; ++i) {
    Tensor other = Tensor::empty({1000}, Device::kCuda);
    EXPECT_EQ(captured.count(other.data()), 0u) << "a block of the live graph was handed out";
  }
  graph->launch();
  synchronizeDevice();
}

}  // namespace
}  // namespace gaplab
