// tests/distributed/trial_communicator_test.cpp — runs on the CPU, without MPI:
// the choice between NCCL and the host-staged MPI path from the ranks' (node,
// GPU) pairs, and the device a node-local rank gets.
#include "distributed/trial_communicator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace gaplab {
namespace {

TEST(ChooseDeviceCollectives, NcclWhenEveryRankHasItsOwnGpuOnOneNode) {
  const auto choice = chooseDeviceCollectives({{"node1", "0000:1B:00.0"}, {"node1", "0000:3D:00.0"}});
  EXPECT_EQ(choice.collectives, DeviceCollectives::kNccl);
  EXPECT_EQ(choice.reason, "each of the 2 ranks has its own GPU (1 node)");
}

TEST(ChooseDeviceCollectives, TheSameBusIdOnTwoNodesIsTwoGpus) {
  // Every node numbers its GPUs alike: only (node, bus id) identifies one.
  const auto choice = chooseDeviceCollectives(
      {{"node1", "0000:1B:00.0"}, {"node2", "0000:1B:00.0"}, {"node1", "0000:3D:00.0"}, {"node2", "0000:3D:00.0"}});
  EXPECT_EQ(choice.collectives, DeviceCollectives::kNccl);
  EXPECT_EQ(choice.reason, "each of the 4 ranks has its own GPU (2 nodes)");
}

TEST(ChooseDeviceCollectives, HostStagedWhenTwoRanksShareAGpu) {
  // Three ranks on a node with two GPUs: local ranks 0 and 2 land on GPU 0.
  const auto choice =
      chooseDeviceCollectives({{"node1", "0000:1B:00.0"}, {"node1", "0000:3D:00.0"}, {"node1", "0000:1B:00.0"}});
  EXPECT_EQ(choice.collectives, DeviceCollectives::kHostStagedMpi);
  EXPECT_EQ(choice.reason, "group ranks 0 and 2 share GPU 0000:1B:00.0 on node1; NCCL needs one GPU per rank");
}

TEST(ChooseDeviceCollectives, HostStagedWhenARankHasNoGpu) {
  const auto choice = chooseDeviceCollectives({{"node1", "0000:1B:00.0"}, {"node2", ""}});
  EXPECT_EQ(choice.collectives, DeviceCollectives::kHostStagedMpi);
  EXPECT_EQ(choice.reason, "group rank 1 on node2 has no GPU");
}

TEST(ChooseDeviceCollectives, OneRankIsNccl) {
  EXPECT_EQ(chooseDeviceCollectives({{"node1", "0000:1B:00.0"}}).collectives, DeviceCollectives::kNccl);
}

TEST(ChooseDeviceCollectives, RejectsAnEmptyGroup) {
  EXPECT_THROW(chooseDeviceCollectives({}), std::invalid_argument);
}

TEST(ChooseDeviceCollectives, NamesTheChoice) {
  EXPECT_EQ(toString(DeviceCollectives::kNccl), "NCCL");
  EXPECT_EQ(toString(DeviceCollectives::kHostStagedMpi), "MPI staged through host memory");
}

TEST(DeviceForLocalRank, SpreadsLocalRanksOverTheDevicesBeforeSharing) {
  EXPECT_EQ(deviceForLocalRank(0, 4), 0);
  EXPECT_EQ(deviceForLocalRank(3, 4), 3);
  EXPECT_EQ(deviceForLocalRank(4, 4), 0);
  EXPECT_EQ(deviceForLocalRank(5, 2), 1);
  EXPECT_EQ(deviceForLocalRank(2, 1), 0);
  EXPECT_THROW(deviceForLocalRank(-1, 2), std::invalid_argument);
  EXPECT_THROW(deviceForLocalRank(0, 0), std::invalid_argument);
}

// Sets (or unsets) one environment variable for a scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(LocalRankFromEnvironment, PrefersOpenMpiOverSlurmAndIgnoresGarbage) {
  ScopedEnv ompi("OMPI_COMM_WORLD_LOCAL_RANK", nullptr);
  ScopedEnv mpich("MPI_LOCALRANKID", nullptr);
  ScopedEnv slurm("SLURM_LOCALID", nullptr);
  EXPECT_EQ(localRankFromEnvironment(), -1);
  {
    ScopedEnv s("SLURM_LOCALID", "0");  // the batch step's, inherited by mpirun's ranks
    EXPECT_EQ(localRankFromEnvironment(), 0);
    ScopedEnv o("OMPI_COMM_WORLD_LOCAL_RANK", "3");
    EXPECT_EQ(localRankFromEnvironment(), 3);
  }
  {
    ScopedEnv m("MPI_LOCALRANKID", "2");
    EXPECT_EQ(localRankFromEnvironment(), 2);
  }
  {
    ScopedEnv bad("OMPI_COMM_WORLD_LOCAL_RANK", "x1");
    ScopedEnv s("SLURM_LOCALID", "5");
    EXPECT_EQ(localRankFromEnvironment(), 5);
  }
}

TEST(NodeLocalRank, WithoutMpiReadsTheLauncherEnvironment) {
  // This test binary never initialises MPI.
  ScopedEnv mpich("MPI_LOCALRANKID", nullptr);
  ScopedEnv slurm("SLURM_LOCALID", nullptr);
  {
    ScopedEnv ompi("OMPI_COMM_WORLD_LOCAL_RANK", "1");
    EXPECT_EQ(nodeLocalRank(), 1);
  }
  ScopedEnv none("OMPI_COMM_WORLD_LOCAL_RANK", nullptr);
  EXPECT_EQ(nodeLocalRank(), 0);
}

}  // namespace
}  // namespace gaplab
