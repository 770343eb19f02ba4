// tests/distributed/cuda/nccl_communicator_test.cpp — run under `mpirun -np 2`
// on a machine with a GPU (labels gpu, mpi; exit code 77, skipped, where any
// rank sees none): sums of device buffers through makeTrialCommunicator, the
// host-staged communicator, the NCCL communicator (over the group where every
// rank has its own GPU, over one rank otherwise), and the GradientReducer on a
// cuda arena against the CPU reducer (bit for bit on 2 ranks). A sum that a
// peer never joins times out (GAPLAB_NCCL_TIMEOUT_S) and aborts, not hangs.
#if GAPLAB_HAVE_NCCL
#include "core/cuda/cuda_check.h"
#include "distributed/cuda/nccl_communicator.h"
#endif

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "core/cuda/kernels/elementwise_kernels.h"
#include "core/device_memory.h"
#include "core/parameter_arena.h"
#include "core/rng.h"
#include "distributed/cuda/host_staged_communicator.h"
#include "distributed/gradient_reducer.h"
#include "distributed/mpi_communicator.h"
#include "distributed/trial_communicator.h"

namespace gaplab {
namespace {

MpiCommunicator& world() {
  static MpiCommunicator comm;
  return comm;
}

// Quarters of small integers: every partial sum is exact, whatever the order.
std::vector<float> rankValues(int rank, int64_t n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(rank + 1) * 0.25f * static_cast<float>(i % 1013);
  return v;
}

float expectedSum(int64_t i) {
  const int n = world().size();
  return static_cast<float>(n * (n + 1) / 2) * 0.25f * static_cast<float>(i % 1013);
}

std::shared_ptr<float> upload(const std::vector<float>& host) {
  auto d = allocateDeviceFloats(host.size());
  copyHostToDevice(d.get(), host.data(), host.size() * sizeof(float));
  return d;
}

std::vector<float> download(const float* device, int64_t n) {
  std::vector<float> host(static_cast<std::size_t>(n));
  copyDeviceToHost(host.data(), device, host.size() * sizeof(float));
  return host;
}

void expectSummed(const std::vector<float>& v, float factor, const std::string& what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    ASSERT_EQ(v[i], factor * expectedSum(static_cast<int64_t>(i))) << what << " at " << i;
}

// Everything a trial asks of its communicator, on device and host buffers.
void exerciseCommunicator(Communicator& comm) {
  ASSERT_EQ(comm.size(), world().size());
  ASSERT_EQ(comm.rank(), world().rank());
  const int r = comm.rank();
  const int64_t n = 1000003;  // odd, not a multiple of a block or a warp

  // Blocking sum; its input is written by a kernel still queued on the compute
  // stream (the sum must wait for it), and a kernel enqueued after it sees the sum.
  auto a = upload(rankValues(r, n));
  cuda::launchScale(a.get(), 2.0f, a.get(), n);
  comm.allReduceSum(a.get(), n);
  cuda::launchScale(a.get(), 0.5f, a.get(), n);
  expectSummed(download(a.get(), n), 1.0f, "blocking device sum");

  // Non-blocking sums, started in the same order on every rank; a kernel
  // enqueued after wait() sees the sum.
  auto b = upload(rankValues(r, n));
  auto c = upload(rankValues(r, 4099));
  auto rb = comm.startAllReduceSum(b.get(), n);
  auto rc = comm.startAllReduceSum(c.get(), 4099);
  while (!rc->test()) {
  }
  rb->wait();
  EXPECT_TRUE(rb->test());
  cuda::launchScale(b.get(), 2.0f, b.get(), n);
  expectSummed(download(b.get(), n), 2.0f, "non-blocking device sum, then a kernel");
  expectSummed(download(c.get(), 4099), 1.0f, "non-blocking device sum polled with test()");

  // A request destroyed unfinished still completes before later compute-stream work.
  auto d = upload(rankValues(r, n));
  comm.startAllReduceSum(d.get(), n).reset();
  expectSummed(download(d.get(), n), 1.0f, "device sum whose request was dropped");

  // Host buffers (checkpoints, metrics) go over MPI.
  auto h = rankValues(r, 777);
  comm.allReduceSum(h.data(), static_cast<int64_t>(h.size()));
  expectSummed(h, 1.0f, "host sum");
  auto h2 = rankValues(r, 777);
  comm.startAllReduceSum(h2.data(), static_cast<int64_t>(h2.size()))->wait();
  expectSummed(h2, 1.0f, "non-blocking host sum");

  comm.allReduceSum(a.get(), 0);  // nothing to do
  EXPECT_TRUE(comm.startAllReduceSum(a.get(), 0)->test());
  EXPECT_DOUBLE_EQ(comm.allReduceMax(static_cast<double>(r)), comm.size() - 1);
  EXPECT_DOUBLE_EQ(comm.allReduceSum(1.5), 1.5 * comm.size());
  EXPECT_NO_THROW(comm.barrier());
}

DeviceCollectivesChoice worldChoice() {
  return chooseDeviceCollectives(gatherRankDevices(MPI_COMM_WORLD, Device::kCuda));
}

TEST(TrialCommunicator, PicksTheCollectivesTheRanksGpusAllow) {
  const DeviceCollectivesChoice choice = worldChoice();
  std::unique_ptr<Communicator> comm = makeTrialCommunicator(MPI_COMM_WORLD, Device::kCuda, stderr);
  if (choice.collectives == DeviceCollectives::kNccl && GAPLAB_HAVE_NCCL) {
#if GAPLAB_HAVE_NCCL
    EXPECT_NE(dynamic_cast<cuda::NcclCommunicator*>(comm.get()), nullptr) << choice.reason;
#endif
  } else {
    EXPECT_NE(dynamic_cast<cuda::HostStagedCommunicator*>(comm.get()), nullptr) << choice.reason;
  }
  exerciseCommunicator(*comm);
}

TEST(TrialCommunicator, CpuAndSingleRankGroups) {
  auto cpu = makeTrialCommunicator(MPI_COMM_WORLD, Device::kCpu, nullptr);
  EXPECT_NE(dynamic_cast<MpiCommunicator*>(cpu.get()), nullptr);
  auto single = makeTrialCommunicator(MPI_COMM_SELF, Device::kCuda, nullptr);
  EXPECT_NE(dynamic_cast<LocalCommunicator*>(single.get()), nullptr);
}

TEST(HostStagedCommunicator, SumsDeviceAndHostBuffers) {
  cuda::HostStagedCommunicator comm(MPI_COMM_WORLD);
  exerciseCommunicator(comm);
}

#if GAPLAB_HAVE_NCCL
TEST(NcclCommunicator, SumsDeviceAndHostBuffersAcrossTheGroup) {
  const DeviceCollectivesChoice choice = worldChoice();
  if (choice.collectives != DeviceCollectives::kNccl) GTEST_SKIP() << "NCCL over the group: " << choice.reason;
  cuda::NcclCommunicator comm(MPI_COMM_WORLD);
  exerciseCommunicator(comm);
}

TEST(NcclCommunicator, ASumAPeerNeverJoinsTimesOutAndAborts) {
  // Group rank 0 starts a sum the others never join: its wait must give up
  // after GAPLAB_NCCL_TIMEOUT_S instead of hanging, abort the communicator and
  // refuse later sums. The other ranks then abort theirs.
  const DeviceCollectivesChoice choice = worldChoice();
  if (choice.collectives != DeviceCollectives::kNccl) GTEST_SKIP() << "NCCL over the group: " << choice.reason;
  const char* old = std::getenv("GAPLAB_NCCL_TIMEOUT_S");
  const std::string saved = old ? old : "";
  setenv("GAPLAB_NCCL_TIMEOUT_S", "3", 1);
  cuda::NcclCommunicator comm(MPI_COMM_WORLD);
  if (old) setenv("GAPLAB_NCCL_TIMEOUT_S", saved.c_str(), 1);
  else unsetenv("GAPLAB_NCCL_TIMEOUT_S");
  EXPECT_EQ(comm.timeoutSeconds(), 3.0);
  const int64_t n = 4099;
  auto a = upload(rankValues(comm.rank(), n));
  if (comm.rank() == 0) {
    const auto started = std::chrono::steady_clock::now();
    try {
      comm.allReduceSum(a.get(), n);
      ADD_FAILURE() << "a sum no peer joined returned";
    } catch (const cuda::CudaError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("did not finish within 3 s"), std::string::npos) << message;
      EXPECT_NE(message.find("GAPLAB_NCCL_TIMEOUT_S"), std::string::npos) << message;
      EXPECT_NE(message.find("group rank 0"), std::string::npos) << message;
    }
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_GE(waited, 2.9);
    EXPECT_LT(waited, 60.0);
    EXPECT_TRUE(comm.aborted());
    EXPECT_THROW(comm.allReduceSum(a.get(), n), cuda::CudaError);
    EXPECT_THROW(comm.startAllReduceSum(a.get(), n), cuda::CudaError);
  }
  world().barrier();
  comm.abortCommunicator();
  EXPECT_TRUE(comm.aborted());
  EXPECT_THROW(comm.allReduceSum(a.get(), n), cuda::CudaError);
  // The compute stream is not stuck behind the aborted sum.
  EXPECT_EQ(download(a.get(), n).size(), static_cast<std::size_t>(n));
  // Host collectives still work (they go over MPI).
  EXPECT_DOUBLE_EQ(comm.allReduceSum(1.0), static_cast<double>(comm.size()));
}

TEST(NcclCommunicator, OneRankCommunicatorRunsOnEveryGpu) {
  // Possible even where the ranks share a GPU: each process has its own
  // one-rank NCCL communicator. The sum is the identity; streams, events and
  // requests are exercised all the same.
  cuda::NcclCommunicator comm(MPI_COMM_SELF);
  ASSERT_EQ(comm.size(), 1);
  const int64_t n = 300007;
  const auto values = rankValues(world().rank(), n);
  auto a = upload(values);
  comm.allReduceSum(a.get(), n);
  auto ra = comm.startAllReduceSum(a.get(), n);
  ra->wait();
  cuda::launchScale(a.get(), 0.5f, a.get(), n);
  const auto out = download(a.get(), n);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], 0.5f * values[i]) << i;
  EXPECT_NE(comm.communicationStream(), nullptr);
}
#endif  // GAPLAB_HAVE_NCCL

// ---- the reducer on a cuda arena ----------------------------------------------

std::unique_ptr<ParameterArena> makeArena(uint64_t gradSeed) {
  auto arena = std::make_unique<ParameterArena>();
  const int64_t sizes[] = {300, 7, 1000, 1, 64, 513, 2048, 3, 129, 70001};
  for (std::size_t i = 0; i < std::size(sizes); ++i)
    arena->addParameter("p" + std::to_string(i), {sizes[i]}, Init::zeros());
  RngStream init(1, RngPurpose::kInit);
  arena->allocate(init);
  RngStream g(gradSeed + static_cast<uint64_t>(world().rank()), RngPurpose::kSynthetic);
  for (int64_t i = 0; i < arena->size(); ++i) arena->grads()[i] = g.normal();
  return arena;
}

TEST(GradientReducerOnCuda, AveragesLikeTheCpuReducer) {
  std::unique_ptr<Communicator> deviceComm = makeTrialCommunicator(MPI_COMM_WORLD, Device::kCuda, nullptr);
  for (int64_t bucketBytes : {int64_t{4096}, int64_t{100000}, GradientReducer::kDefaultBucketBytes}) {
    auto cpu = makeArena(100);
    auto gpu = makeArena(100);
    gpu->moveTo(Device::kCuda);
    GradientReducer cpuReducer(*cpu, world(), bucketBytes);
    GradientReducer gpuReducer(*gpu, *deviceComm, bucketBytes);
    ASSERT_EQ(cpuReducer.buckets().size(), gpuReducer.buckets().size());
    for (int round = 0; round < 2; ++round) {
      if (round == 1) {  // new gradients for the second backward, on both sides
        auto fresh = makeArena(200);
        std::copy(fresh->grads(), fresh->grads() + fresh->size(), cpu->grads());
        copyHostToDevice(gpu->grads(), fresh->grads(), static_cast<std::size_t>(fresh->size()) * sizeof(float));
      }
      for (int p = static_cast<int>(cpu->params().size()) - 1; p >= 0; --p) {
        cpuReducer.onParameterGradientReady(p);
        gpuReducer.onParameterGradientReady(p);
      }
      cpuReducer.finish();
      gpuReducer.finish();
      const auto got = download(gpu->grads(), gpu->size());
      for (int64_t i = 0; i < cpu->size(); ++i) {
        const float want = cpu->grads()[i];
        if (world().size() == 2)  // a + b in any order, then the same multiply
          ASSERT_EQ(got[static_cast<std::size_t>(i)], want) << "bucket bytes " << bucketBytes << ", round " << round << ", float " << i;
        else
          ASSERT_NEAR(got[static_cast<std::size_t>(i)], want, 1e-5f * (1.0f + std::fabs(want))) << i;
      }
    }
  }
}

}  // namespace
}  // namespace gaplab

int main(int argc, char** argv) {
  gaplab::MpiSession session(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int rank = gaplab::world().rank();
  // Every rank needs a GPU; all of them agree before any collective on one.
  const bool skip = gaplab::world().allReduceMax(gaplab::cudaAvailable() ? 0.0 : 1.0) > 0.0;
  if (skip) {
    if (rank == 0)
      std::printf("[  SKIPPED ] device communicator tests: %s\n",
                  gaplab::cudaAvailable() ? "another rank has no GPU" : gaplab::cudaUnavailableReason().c_str());
    return 77;  // ctest: SKIP_RETURN_CODE
  }
  // Before any other CUDA work: the compute stream is made on the current device.
  gaplab::selectDeviceForLocalRank(gaplab::nodeLocalRank(MPI_COMM_WORLD));
  if (rank == 0) std::printf("%d ranks, rank 0 on %s\n", gaplab::world().size(), gaplab::cudaDeviceName().c_str());
  // Only rank 0 prints gtest's report; every rank's failures still fail the exit code.
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  const double anyFailed = gaplab::world().allReduceMax(failed ? 1.0 : 0.0);
  return anyFailed > 0.0 ? 1 : 0;
}
