// tests/core/cuda/device_memory_test.cpp — device tensors, the caching device
// allocator and the arena's move to the GPU (label gpu; skipped without one).
#include "core/device_memory.h"

#include "core/parameter_arena.h"
#include "core/rng.h"
#include "tests/core/cuda/parity.h"

namespace gaplab {
namespace {

TEST(DeviceMemory, TensorRoundTripsThroughTheGpu) {
  GAPLAB_REQUIRE_GPU();
  const std::vector<float> v{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  Tensor d = Tensor::fromVector({2, 3}, v, Device::kCuda);
  EXPECT_EQ(d.device(), Device::kCuda);
  EXPECT_EQ(d.toVector(), v);
  EXPECT_EQ(d.clone().toVector(), v);
  EXPECT_EQ(d.to(Device::kCpu).toVector(), v);
  d.fill(2.5f);
  EXPECT_EQ(d.toVector(), std::vector<float>(6, 2.5f));
  EXPECT_EQ(Tensor::zeros({1}, Device::kCuda).item(), 0.0f);
}

TEST(DeviceMemory, FreedBlocksAreReusedFromTheCache) {
  GAPLAB_REQUIRE_GPU();
  releaseCachedDeviceMemory();
  const std::size_t usedBefore = usedDeviceBytes();
  void* first = nullptr;
  {
    auto block = allocateDeviceFloats(1000);
    first = block.get();
    EXPECT_GE(usedDeviceBytes(), usedBefore + 4000);
  }
  EXPECT_GE(cachedDeviceBytes(), 4000u);
  auto again = allocateDeviceFloats(1000);
  EXPECT_EQ(again.get(), first);
  releaseCachedDeviceMemory();
}

TEST(DeviceMemory, ImpossibleAllocationThrowsOutOfMemoryWithSizes) {
  GAPLAB_REQUIRE_GPU();
  try {
    allocateDeviceBytes(std::size_t(1) << 50);  // 1 PiB
    FAIL() << "expected DeviceOutOfMemory";
  } catch (const DeviceOutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA out of memory"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MiB"), std::string::npos) << e.what();
  }
  // The device still works afterwards.
  EXPECT_EQ(Tensor::full({3}, 1.0f, Device::kCuda).toVector(), std::vector<float>(3, 1.0f));
}

TEST(DeviceMemory, ArenaMovesToTheGpuAndBack) {
  GAPLAB_REQUIRE_GPU();
  ParameterArena arena;
  ParamView w = arena.addParameter("w", {3, 4}, Init::uniform(1.0f));
  BufferView m = arena.addBuffer("m", {2}, 5.0f);
  RngStream rng(3, RngPurpose::kInit);
  arena.allocate(rng);
  const std::vector<float> host(arena.valueBuffer().begin(), arena.valueBuffer().end());
  arena.moveTo(Device::kCuda);
  EXPECT_EQ(arena.device(), Device::kCuda);
  EXPECT_EQ(w.valueTensor().device(), Device::kCuda);
  EXPECT_EQ(w.valueTensor().toVector(), std::vector<float>(host.begin(), host.begin() + 12));
  EXPECT_EQ(m.tensor().toVector(), std::vector<float>(2, 5.0f));
  w.valueTensor().fill(1.0f);
  arena.state("momentum");
  arena.moveTo(Device::kCpu);
  EXPECT_EQ(std::vector<float>(w.value(), w.value() + 12), std::vector<float>(12, 1.0f));
  EXPECT_EQ(arena.states().count("momentum"), 1u);
}

}  // namespace
}  // namespace gaplab
