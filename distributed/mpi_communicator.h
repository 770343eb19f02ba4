// distributed/mpi_communicator.h — the Communicator over MPI, and the RAII guard
// that initialises and finalises MPI once per process.
//
// Why: data-parallel training averages gradients over the ranks of a trial with
// MPI_Allreduce; everything above (the trainer, the workloads) sees only the
// Communicator interface. Every MPI return code is checked and becomes an
// exception naming the call, file:line and MPI's own error text.
#pragma once

#include <mpi.h>

#include <utility>
#include <vector>

#include "distributed/communicator.h"

namespace gaplab {

// MPI_Init_thread on construction, MPI_Finalize on destruction; a process holds at most one.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // True when this process was started by an MPI launcher (mpirun, srun) with more than one rank.
  static bool launchedWithSeveralRanks();
};

class MpiCommunicator final : public Communicator {
 public:
  // Duplicates `comm` so that gaplab's messages never mix with the caller's.
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allReduceSum(float* data, int64_t count) override;
  // MPI_Iallreduce (in pieces of at most INT_MAX floats); the request is an MpiRequest.
  std::unique_ptr<CollectiveRequest> startAllReduceSum(float* data, int64_t count) override;
  double allReduceMax(double value) override;
  double allReduceSum(double value) override;
  void barrier() override;
  // The duplicated communicator, for point-to-point messaging on the same ranks.
  MPI_Comm handle() const { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// Owns the MPI_Requests of one non-blocking collective (RAII: the destructor
// waits for unfinished ones unless MPI is already finalised).
class MpiRequest final : public CollectiveRequest {
 public:
  explicit MpiRequest(std::vector<MPI_Request> requests) : requests_(std::move(requests)) {}
  ~MpiRequest() override;
  MpiRequest(const MpiRequest&) = delete;
  MpiRequest& operator=(const MpiRequest&) = delete;
  bool test() override;  // MPI_Testall
  void wait() override;  // MPI_Waitall

 private:
  std::vector<MPI_Request> requests_;
  bool complete_ = false;
};

namespace detail {
// Throws std::runtime_error "MPI_Allreduce failed at file:line: <MPI error string>".
void checkMpi(int code, const char* call, const char* file, int line);
}  // namespace detail

}  // namespace gaplab

#define GAPLAB_MPI_CHECK(call) ::gaplab::detail::checkMpi((call), #call, __FILE__, __LINE__)
