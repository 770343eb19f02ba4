// distributed/trial_communicator.h — the Communicator a trial's ranks train
// with, chosen from the device and the GPUs the ranks sit on, and the GPU each
// rank uses.
//
// Why (DESIGN.md "Distributed"): on CUDA, NCCL sums device gradients GPU to GPU,
// but NCCL cannot put two ranks of one communicator on the same GPU, which is
// what a sweep does when it packs more ranks on a node than it has GPUs. Every
// rank of the group therefore tells the others its node and the PCI bus id of
// its GPU (an identity that CUDA_VISIBLE_DEVICES does not renumber); if no two
// ranks share a GPU the group gets an NcclCommunicator, otherwise a
// HostStagedCommunicator (device -> host, MPI_Allreduce, host -> device). The
// choice is a pure function of those pairs (chooseDeviceCollectives), tested
// on the CPU, and group rank 0 logs it in one line.
//
// Device selection: a rank uses GPU (node-local rank modulo visible devices),
// so ranks of one node spread over its GPUs before any two share one. Select
// the device before any other CUDA work of the process (the compute stream is
// created on the device current at its first use).
#pragma once

#include <mpi.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "distributed/communicator.h"

namespace gaplab {

// Where one rank of a group computes.
struct RankDevice {
  std::string host;      // MPI_Get_processor_name
  std::string deviceId;  // PCI bus id of the rank's GPU ("0000:1B:00.0"); empty without a GPU
};

enum class DeviceCollectives { kNccl, kHostStagedMpi };

struct DeviceCollectivesChoice {
  DeviceCollectives collectives = DeviceCollectives::kNccl;
  std::string reason;  // for the log line: "each of the 2 ranks has its own GPU (1 node)"
};

// NCCL when every rank has a GPU and no two ranks have the same (host, deviceId);
// the host-staged MPI path otherwise (the reason names the first conflict).
// `ranks` is indexed by group rank; throws std::invalid_argument when empty.
DeviceCollectivesChoice chooseDeviceCollectives(const std::vector<RankDevice>& ranks);

// "NCCL" or "MPI staged through host memory".
std::string toString(DeviceCollectives collectives);

// The node-local rank the launcher announces (OMPI_COMM_WORLD_LOCAL_RANK,
// MPI_LOCALRANKID, SLURM_LOCALID, in that order); -1 when none is set. Open MPI's
// variable comes first: inside a Slurm allocation, mpirun's ranks inherit the
// batch step's SLURM_LOCALID (0 for all of them).
int localRankFromEnvironment();

// This rank's index among the ranks of `comm` on its node: the rank in
// MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED) (collective over `comm`), or
// localRankFromEnvironment() (0 if unset) when MPI is not initialised.
int nodeLocalRank(MPI_Comm comm = MPI_COMM_WORLD);

// localRank modulo deviceCount; throws std::invalid_argument for a negative
// local rank or no device.
int deviceForLocalRank(int localRank, int deviceCount);

// selectCudaDevice(deviceForLocalRank(localRank, cudaDeviceCount())); returns the
// device index. Throws (with the reason) where CUDA is not available.
int selectDeviceForLocalRank(int localRank);

// The communicator for the ranks of `group` (collective over `group`):
// - one rank: LocalCommunicator (every collective is the identity);
// - Device::kCpu: MpiCommunicator (a duplicate of `group`);
// - Device::kCuda: NcclCommunicator or HostStagedCommunicator as
//   chooseDeviceCollectives decides from every rank's node and current GPU
//   (select it first). Group rank 0 writes the choice and its reason to `log`
//   (nullptr: silent). Throws where the build has no CUDA or no GPU is visible.
std::unique_ptr<Communicator> makeTrialCommunicator(MPI_Comm group, Device device, std::FILE* log = stderr);

// The (host, device) pair of every rank of `group`, by group rank (collective);
// deviceId is the current GPU's PCI bus id when `device` is kCuda, empty otherwise.
std::vector<RankDevice> gatherRankDevices(MPI_Comm group, Device device);

}  // namespace gaplab
