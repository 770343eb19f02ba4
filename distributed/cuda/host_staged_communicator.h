// distributed/cuda/host_staged_communicator.h — the Communicator over MPI for
// device buffers, staged through host memory.
//
// Why: NCCL refuses two ranks of one communicator on the same GPU, yet a small
// sweep packs several ranks of a trial onto one GPU (ranks per node > visible
// devices). Those groups sum device gradients the slow, always-possible way:
// copy device -> host, MPI_Allreduce (the same reduction as the CPU path),
// copy host -> device. makeTrialCommunicator (distributed/trial_communicator.h)
// picks this class when NCCL cannot run, and says so in its log line.
//
// Semantics: allReduceSum of a device buffer returns with the sum uploaded in
// stream order (copyHostToDevice on the compute stream; the host staging buffer
// is free again on return). startAllReduceSum copies the bucket to a host buffer
// of its own (this synchronises the compute stream: the bucket's gradients must
// be final), starts MPI_Iallreduce on it and returns a request whose test() and
// wait() upload the sum once MPI has completed it; a destroyed unfinished request
// waits and uploads too. Host buffers go straight to MPI.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "distributed/communicator.h"
#include "distributed/mpi_communicator.h"

namespace gaplab::cuda {

// An MPI sum of a host copy of a device buffer; uploads the result on completion.
class HostStagedRequest final : public CollectiveRequest {
 public:
  // Copies `count` floats at `deviceData` to the host and starts their sum on `mpi`.
  HostStagedRequest(MpiCommunicator& mpi, float* deviceData, int64_t count);
  ~HostStagedRequest() override;  // waits and uploads (never throws)
  HostStagedRequest(const HostStagedRequest&) = delete;
  HostStagedRequest& operator=(const HostStagedRequest&) = delete;
  bool test() override;
  void wait() override;

 private:
  void upload();

  float* deviceData_;
  std::vector<float> staging_;  // must not move while MPI works on it: the request owns it
  std::unique_ptr<CollectiveRequest> mpiRequest_;
  bool complete_ = false;
};

class HostStagedCommunicator final : public Communicator {
 public:
  // Collective over `group`; duplicates it (MpiCommunicator).
  explicit HostStagedCommunicator(MPI_Comm group) : mpi_(group) {}

  int rank() const override { return mpi_.rank(); }
  int size() const override { return mpi_.size(); }
  void allReduceSum(float* data, int64_t count) override;
  std::unique_ptr<CollectiveRequest> startAllReduceSum(float* data, int64_t count) override;
  double allReduceMax(double value) override { return mpi_.allReduceMax(value); }
  double allReduceSum(double value) override { return mpi_.allReduceSum(value); }
  void barrier() override { mpi_.barrier(); }
  MpiCommunicator& mpi() { return mpi_; }

 private:
  MpiCommunicator mpi_;
  std::vector<float> staging_;  // reused by the blocking sums
};

}  // namespace gaplab::cuda
