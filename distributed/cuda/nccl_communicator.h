// distributed/cuda/nccl_communicator.h — the Communicator over NCCL for the
// ranks of one trial when every rank has a GPU of its own.
//
// Why (DESIGN.md "Distributed"): on CUDA the gradient buckets are device memory;
// NCCL sums them GPU to GPU (NVLink, PCIe, InfiniBand) without a trip through the
// host. Its unique id is made on group rank 0 and broadcast over the group's MPI
// communicator, which also carries the host-side collectives (timings, losses,
// checkpoint buffers, barrier).
//
// Streams: NCCL runs on a communication stream of its own. Each sum records an
// event on the compute stream (core/cuda/stream.h) that the communication
// stream waits for, so the sum reads the finished gradients; an event recorded
// on the communication stream after the sum marks its completion, and the
// compute stream waits for that event before it touches the buffer again (the
// averaging kernel, the optimizer).
//
// Semantics for DEVICE buffers (the pointer is checked with cudaPointerGetAttributes):
// - allReduceSum returns once the sum has finished on the GPU (the host polls,
//   see "Hangs" below); every kernel or copy enqueued on the compute stream
//   afterwards sees the sum.
// - startAllReduceSum returns an NcclRequest. test() never blocks: true once
//   the sum has finished on the GPU (cudaEventQuery), and then the compute
//   stream is ordered after it; wait() polls until the sum has finished and
//   orders the compute stream after it; destroying an unfinished request orders
//   the compute stream after the sum without blocking the host. So "complete"
//   means: later compute-stream work sees the sum. The host never reads the
//   buffer directly.
// HOST buffers (checkpoint buffers, metrics, synchronised BatchNorm statistics)
// go to the MPI communicator, blocking and non-blocking alike. Every rank must
// pass the same kind of buffer to a collective (the same code path does).
//
// Hangs: NCCL kernels wait for their peers, so a rank that fails or dies would
// leave the others inside NCCL (or in a stream synchronisation behind it) for
// ever. Therefore:
// - set-up is agree-then-proceed: every fallible local step first (streams,
//   events, the device, the timeout setting, rank 0's unique id), then an MPI
//   agreement that every rank got there, then the id's broadcast; the
//   communicator is non-blocking (ncclConfig_t::blocking = 0) and its set-up is
//   polled with ncclCommGetAsyncError for at most kNcclInitTimeoutSeconds
//   (distributed/collective_timeout.h), after which it is aborted; a second MPI
//   agreement then checks that every rank succeeded;
// - every wait for a sum (test, wait, the blocking sum, the destructor) polls
//   its completion event and ncclCommGetAsyncError, sleeping with back-off
//   between rounds (no busy core); an NCCL error, or a sum unfinished after
//   GAPLAB_NCCL_TIMEOUT_S seconds (600 by default), aborts the communicator
//   (ncclCommAbort) and throws CudaError naming the group rank. An aborted
//   communicator refuses every later sum.
#pragma once

#include <mpi.h>
#include <nccl.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/cuda/stream.h"
#include "distributed/collective_timeout.h"
#include "distributed/communicator.h"
#include "distributed/mpi_communicator.h"

namespace gaplab::cuda {

// One non-blocking ncclComm_t (RAII). Creating it is collective over the `ranks` processes.
class NcclComm {
 public:
  // On the current CUDA device; every rank passes the same id and its own rank.
  // Returns once ncclCommInitRankConfig has finished; a failure, or no finish
  // within `timeoutSeconds`, aborts the half-made communicator and throws
  // (CudaError for an NCCL error, std::runtime_error naming the rank and the
  // timeout for a timeout).
  NcclComm(int ranks, const ncclUniqueId& id, int rank, double timeoutSeconds = kNcclInitTimeoutSeconds);
  // Healthy: ncclCommFinalize (polled for at most kNcclFinalizeTimeoutSeconds),
  // then ncclCommDestroy; failed, timed out or aborted: ncclCommAbort. Never throws.
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  // The communicator; nullptr once aborted.
  ncclComm_t get() const { return handle_.get(); }
  int rank() const { return rank_; }
  bool aborted() const { return !handle_; }
  // ncclCommAbort now: outstanding operations on the device are stopped, the
  // handle is gone. Later calls do nothing. Never throws.
  void abortCommunicator() noexcept { handle_.reset(); }
  // Aborts, then throws CudaError when ncclCommGetAsyncError reports an error
  // (ncclInProgress and ncclSuccess are fine); `what` names the operation.
  void throwIfFailed(const char* what);

 private:
  // ncclCommAbort as the handle's deleter: a handle that no destructor body
  // reaches (a throw while it is being made) is aborted, never leaked.
  struct Aborter {
    void operator()(ncclComm* comm) const noexcept;
  };
  std::unique_ptr<ncclComm, Aborter> handle_;
  int rank_ = 0;
};

// Completion of one NCCL sum: an event on the communication stream, watched
// together with the communicator's error state.
class NcclRequest final : public CollectiveRequest {
 public:
  // `timeoutSeconds`: how long after its making the sum may stay unfinished.
  NcclRequest(std::unique_ptr<CudaEvent> done, std::shared_ptr<NcclComm> comm, double timeoutSeconds);
  ~NcclRequest() override;  // orders the compute stream after the sum (never blocks the host, never throws)
  NcclRequest(const NcclRequest&) = delete;
  NcclRequest& operator=(const NcclRequest&) = delete;
  // One look (never blocks): cudaEventQuery, then ncclCommGetAsyncError; once
  // true, the compute stream is ordered after the sum. Throws (the communicator
  // aborted) on an NCCL error or once the sum is older than the timeout.
  bool test() override;
  // test() until true, sleeping with back-off between rounds; throws as test() does.
  void wait() override;

 private:
  std::unique_ptr<CudaEvent> done_;
  std::shared_ptr<NcclComm> comm_;
  std::chrono::steady_clock::time_point deadline_;
  double timeoutSeconds_;
  bool complete_ = false;
};

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `group` (every rank calls it). Duplicates `group` for the
  // host-side collectives. The rank's CUDA device must already be selected
  // (selectCudaDevice) and no other rank of the group may use the same GPU;
  // makeTrialCommunicator (distributed/trial_communicator.h) checks both.
  // Reads GAPLAB_NCCL_TIMEOUT_S. A failure on any rank throws on every rank
  // (see "Hangs" above); nothing is left half-made.
  explicit NcclCommunicator(MPI_Comm group);
  // Waits (polling, within the timeout) for the sums still on the communication
  // stream, then destroys the NCCL communicator; aborts it instead when that
  // wait fails. Never throws.
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return mpi_.rank(); }
  int size() const override { return mpi_.size(); }
  // Device buffer: ncclAllReduce, waited for by polling (see the file comment); host buffer: MPI_Allreduce.
  void allReduceSum(float* data, int64_t count) override;
  // Device buffer: an NcclRequest; host buffer: the MPI communicator's MpiRequest.
  std::unique_ptr<CollectiveRequest> startAllReduceSum(float* data, int64_t count) override;
  double allReduceMax(double value) override { return mpi_.allReduceMax(value); }
  double allReduceSum(double value) override { return mpi_.allReduceSum(value); }
  // MPI_Barrier of the host processes; device work still queued is not waited for.
  void barrier() override { mpi_.barrier(); }

  cudaStream_t communicationStream() const { return stream_->get(); }
  MpiCommunicator& mpi() { return mpi_; }
  // Seconds a sum may stay unfinished (GAPLAB_NCCL_TIMEOUT_S, read at construction).
  double timeoutSeconds() const { return timeoutSeconds_; }
  // ncclCommAbort now, for a caller that knows a peer is gone; every later
  // device sum throws. Never throws.
  void abortCommunicator() noexcept {
    if (comm_) comm_->abortCommunicator();
  }
  bool aborted() const { return !comm_ || comm_->aborted(); }

 private:
  // Enqueues the sum on the communication stream after the compute stream's
  // work so far; returns the event recorded after it.
  std::unique_ptr<CudaEvent> enqueueSum(float* data, int64_t count);

  // Made in the constructor's body, before any collective, so that a failure
  // is agreed on instead of leaving the other ranks waiting. Destroyed in
  // reverse order: the NCCL communicator goes before its stream.
  MpiCommunicator mpi_;
  double timeoutSeconds_ = kDefaultNcclTimeoutSeconds;
  std::unique_ptr<CudaStream> stream_;
  std::unique_ptr<CudaEvent> computeReady_;  // re-recorded for every sum; each wait takes the latest record
  std::shared_ptr<NcclComm> comm_;            // shared with the requests it made
};

}  // namespace gaplab::cuda
