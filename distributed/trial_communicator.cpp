// distributed/trial_communicator.cpp — see trial_communicator.h.
#include "distributed/trial_communicator.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include "core/device_memory.h"
#include "distributed/mpi_communicator.h"

#if GAPLAB_HAVE_CUDA
#include "distributed/cuda/device_identity.h"
#include "distributed/cuda/host_staged_communicator.h"
#endif
#if GAPLAB_HAVE_NCCL
#include "distributed/cuda/nccl_communicator.h"
#endif

namespace gaplab {
namespace {

// One rank's RankDevice on the wire: two NUL-terminated fixed fields.
constexpr std::size_t kHostBytes = 256;
constexpr std::size_t kDeviceBytes = 64;
using PackedRankDevice = std::array<char, kHostBytes + kDeviceBytes>;

PackedRankDevice pack(const RankDevice& d) {
  PackedRankDevice p{};
  std::strncpy(p.data(), d.host.c_str(), kHostBytes - 1);
  std::strncpy(p.data() + kHostBytes, d.deviceId.c_str(), kDeviceBytes - 1);
  return p;
}

RankDevice unpack(const PackedRankDevice& p) {
  RankDevice d;
  d.host.assign(p.data(), strnlen(p.data(), kHostBytes));
  d.deviceId.assign(p.data() + kHostBytes, strnlen(p.data() + kHostBytes, kDeviceBytes));
  return d;
}

bool mpiInitialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

}  // namespace

DeviceCollectivesChoice chooseDeviceCollectives(const std::vector<RankDevice>& ranks) {
  if (ranks.empty()) throw std::invalid_argument("chooseDeviceCollectives: a group of no ranks");
  DeviceCollectivesChoice choice;
  std::map<std::pair<std::string, std::string>, std::size_t> firstUser;  // (host, device) -> group rank
  std::set<std::string> hosts;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankDevice& d = ranks[r];
    hosts.insert(d.host);
    if (d.deviceId.empty()) {
      choice.collectives = DeviceCollectives::kHostStagedMpi;
      choice.reason = "group rank " + std::to_string(r) + " on " + d.host + " has no GPU";
      return choice;
    }
    const auto [it, inserted] = firstUser.emplace(std::make_pair(d.host, d.deviceId), r);
    if (!inserted) {
      choice.collectives = DeviceCollectives::kHostStagedMpi;
      choice.reason = "group ranks " + std::to_string(it->second) + " and " + std::to_string(r) + " share GPU " +
                      d.deviceId + " on " + d.host + "; NCCL needs one GPU per rank";
      return choice;
    }
  }
  choice.collectives = DeviceCollectives::kNccl;
  choice.reason = "each of the " + std::to_string(ranks.size()) + " ranks has its own GPU (" +
                  std::to_string(hosts.size()) + (hosts.size() == 1 ? " node)" : " nodes)");
  return choice;
}

std::string toString(DeviceCollectives collectives) {
  return collectives == DeviceCollectives::kNccl ? "NCCL" : "MPI staged through host memory";
}

int localRankFromEnvironment() {
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
    const char* value = std::getenv(var);
    if (value == nullptr || *value == '\0') continue;
    char* end = nullptr;
    const long rank = std::strtol(value, &end, 10);
    if (*end == '\0' && rank >= 0) return static_cast<int>(rank);
  }
  return -1;
}

int nodeLocalRank(MPI_Comm comm) {
  if (!mpiInitialized()) return std::max(localRankFromEnvironment(), 0);
  int rank = 0;
  GAPLAB_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  MPI_Comm node = MPI_COMM_NULL;
  GAPLAB_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  int local = 0;
  const int status = MPI_Comm_rank(node, &local);
  MPI_Comm_free(&node);
  GAPLAB_MPI_CHECK(status);
  return local;
}

int deviceForLocalRank(int localRank, int deviceCount) {
  if (localRank < 0) throw std::invalid_argument("deviceForLocalRank: negative local rank " + std::to_string(localRank));
  if (deviceCount <= 0) throw std::invalid_argument("deviceForLocalRank: no CUDA device is visible");
  return localRank % deviceCount;
}

int selectDeviceForLocalRank(int localRank) {
  requireCuda("selecting this rank's GPU");
  const int device = deviceForLocalRank(localRank, cudaDeviceCount());
  selectCudaDevice(device);
  return device;
}

std::vector<RankDevice> gatherRankDevices(MPI_Comm group, Device device) {
  RankDevice mine;
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  GAPLAB_MPI_CHECK(MPI_Get_processor_name(host, &length));
  mine.host.assign(host, static_cast<std::size_t>(length));
#if GAPLAB_HAVE_CUDA
  if (device == Device::kCuda) mine.deviceId = cuda::currentDevicePciBusId();
#else
  (void)device;
#endif
  int size = 1;
  GAPLAB_MPI_CHECK(MPI_Comm_size(group, &size));
  const PackedRankDevice packed = pack(mine);
  std::vector<PackedRankDevice> all(static_cast<std::size_t>(size));
  GAPLAB_MPI_CHECK(MPI_Allgather(packed.data(), static_cast<int>(packed.size()), MPI_CHAR, all.data(),
                                 static_cast<int>(packed.size()), MPI_CHAR, group));
  std::vector<RankDevice> out;
  out.reserve(all.size());
  for (const PackedRankDevice& p : all) out.push_back(unpack(p));
  return out;
}

std::unique_ptr<Communicator> makeTrialCommunicator(MPI_Comm group, Device device, std::FILE* log) {
  int size = 1, rank = 0;
  GAPLAB_MPI_CHECK(MPI_Comm_size(group, &size));
  GAPLAB_MPI_CHECK(MPI_Comm_rank(group, &rank));
  if (size == 1) return std::make_unique<LocalCommunicator>();
  if (device == Device::kCpu) return std::make_unique<MpiCommunicator>(group);
  // Every rank must reach the collectives below, or the others wait forever:
  // the CUDA check is agreed on first.
  const std::string unavailable = cudaUnavailableReason();
  int missing = unavailable.empty() ? 0 : 1;
  GAPLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &missing, 1, MPI_INT, MPI_SUM, group));
  if (missing > 0)
    throw std::runtime_error("device: cuda: " + std::to_string(missing) + " of " + std::to_string(size) +
                             " rank(s) of the trial have no usable GPU" +
                             (unavailable.empty() ? std::string() : " (here: " + unavailable + ")"));
#if GAPLAB_HAVE_CUDA
  DeviceCollectivesChoice choice = chooseDeviceCollectives(gatherRankDevices(group, device));
#if !GAPLAB_HAVE_NCCL
  if (choice.collectives == DeviceCollectives::kNccl)
    choice = {DeviceCollectives::kHostStagedMpi, "this gaplab was built without NCCL; " + choice.reason};
#endif
  if (log != nullptr && rank == 0) {
    std::fprintf(log, "gaplab: gradient all-reduce over %s for %d ranks: %s\n", toString(choice.collectives).c_str(),
                 size, choice.reason.c_str());
    std::fflush(log);
  }
#if GAPLAB_HAVE_NCCL
  if (choice.collectives == DeviceCollectives::kNccl) return std::make_unique<cuda::NcclCommunicator>(group);
#endif
  return std::make_unique<cuda::HostStagedCommunicator>(group);
#else
  (void)log;
  throw std::logic_error("makeTrialCommunicator: unreachable without CUDA");  // cudaUnavailableReason() is never empty
#endif
}

}  // namespace gaplab
