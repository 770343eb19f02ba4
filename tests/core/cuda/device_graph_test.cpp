// tests/core/cuda/device_graph_test.cpp — CUDA graph capture and replay
// (core/device_graph.h): replays run the captured work, work that moves host
// data is refused with the stream left usable, and blocks the capture allocated
// stay reserved for the graph (label gpu; skipped without a GPU).
#include "core/device_graph.h"

#include <cuda_runtime_api.h>

#include <cstring>
#include <set>

#include "core/compute_precision.h"
#include "core/cuda/device_gemm.h"
#include "core/cuda/stream.h"
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

// Whatever the work throws (not only std::exception), the capture is ended and
// the stream works again.
TEST(DeviceGraph, AnyExceptionEndsTheCapture) {
  GAPLAB_REQUIRE_GPU();
  Tensor t = Tensor::zeros({3}, Device::kCuda);
  EXPECT_THROW(captureDeviceGraph([&] {
                 t.fill(1.0f);
                 throw 42;
               }),
               int);
  EXPECT_FALSE(deviceCaptureActive());
  t.fill(2.0f);
  EXPECT_EQ(t.toVector(), std::vector<float>(3, 2.0f));
}

// Emptying the shared cache while a graph lives must leave the graph's pool
// alone (the replay still writes into those blocks), and the byte counts must
// stay sane when the pool later returns its blocks to the shared cache.
TEST(DeviceGraph, ReleasingTheCacheKeepsTheGraphsBlocks) {
  GAPLAB_REQUIRE_GPU();
  releaseCachedDeviceMemory();
  Tensor in = Tensor::full({5000}, 3.0f, Device::kCuda);
  Tensor out;
  std::unique_ptr<DeviceGraph> graph = captureDeviceGraph([&] {
    Tensor scratch = Tensor::empty({5000}, Device::kCuda);  // back to the graph's pool at once
    scratch.copyFrom(in);
    out = Tensor::empty({5000}, Device::kCuda);
    out.copyFrom(scratch);
  });
  EXPECT_GE(cachedDeviceBytes(), 5000u * sizeof(float));  // the scratch block, held by the pool
  releaseCachedDeviceMemory();
  EXPECT_GE(cachedDeviceBytes(), 5000u * sizeof(float)) << "the pool's free block is still cached, not freed";
  in.fill(4.0f);
  graph->launch();
  EXPECT_EQ(out.toVector(), std::vector<float>(5000, 4.0f));
  graph.reset();
  out = Tensor();  // the pool is gone: its blocks are in the shared cache now
  const std::size_t cached = cachedDeviceBytes();
  EXPECT_LT(cached, std::size_t(1) << 40) << "cached byte count wrapped around";
  { Tensor reuse = Tensor::empty({5000}, Device::kCuda); }
  EXPECT_LT(cachedDeviceBytes(), std::size_t(1) << 40) << "cached byte count wrapped around";
  releaseCachedDeviceMemory();
  EXPECT_EQ(cachedDeviceBytes(), 0u);
}

// cuBLAS products are captured without allocating (a workspace set on the
// handle), and each replay reads the current inputs: the replayed product
// equals the eager one bit for bit, for every compute precision (bf16 also
// allocates its operand copies inside the capture).
TEST(DeviceGraph, CapturedGemmMatchesTheEagerProduct) {
  GAPLAB_REQUIRE_GPU();
  const ComputePrecision before = computePrecision();
  for (ComputePrecision p : {ComputePrecision::kFp32, ComputePrecision::kTf32, ComputePrecision::kBf16}) {
    setComputePrecision(p);
    const int64_t m = 67, n = 45, k = 131;
    Tensor a = testing::randomHostTensor({m, k}, 3).to(Device::kCuda);
    const Tensor b = testing::randomHostTensor({k, n}, 4).to(Device::kCuda);
    Tensor eager = Tensor::empty({m, n}, Device::kCuda), replayed = Tensor::empty({m, n}, Device::kCuda);
    auto product = [&](Tensor& c) {
      cuda::deviceGemm(Transpose::kNo, Transpose::kNo, m, n, k, a.data(), k, b.data(), n, c.data(), n,
                       GemmWrite::kAssign);
    };
    product(eager);  // also creates the cuBLAS handle outside the capture
    std::unique_ptr<DeviceGraph> graph = captureDeviceGraph([&] { product(replayed); });
    for (uint64_t seed : {5u, 6u}) {
      a.copyFrom(testing::randomHostTensor({m, k}, seed));
      product(eager);
      graph->launch();
      const std::vector<float> e = eager.toVector(), r = replayed.toVector();
      ASSERT_EQ(e.size(), r.size());
      EXPECT_EQ(std::memcmp(e.data(), r.data(), e.size() * sizeof(float)), 0) << toString(p) << ", inputs " << seed;
    }
  }
  setComputePrecision(before);
}

// A capture begun without captureDeviceGraph has no private pool: an allocation
// in it would come from the shared cache and be handed out again between
// replays, so it is refused.
TEST(DeviceGraph, AllocationInACaptureWithoutPoolIsRefused) {
  GAPLAB_REQUIRE_GPU();
  const cudaStream_t stream = cuda::computeStream();
  ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed), cudaSuccess);
  bool refused = false;
  try {
    allocateDeviceBytes(1024);
  } catch (const DeviceGraphCaptureError&) {
    refused = true;
  }
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(stream, &graph);
  if (graph) cudaGraphDestroy(graph);
  EXPECT_TRUE(refused);
  EXPECT_FALSE(deviceCaptureActive());
  EXPECT_EQ(Tensor::full({2}, 1.5f, Device::kCuda).toVector(), std::vector<float>(2, 1.5f));
}

}  // namespace
}  // namespace gaplab
