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
// - allReduceSum returns without blocking the host; it is complete in stream
//   order: every kernel or copy enqueued on the compute stream afterwards sees the
//   sum (copyDeviceToHost, which synchronises the compute stream, returns it).
// - startAllReduceSum returns an NcclRequest. test() is true once the sum has
//   finished on the GPU (cudaEventQuery) and orders the compute stream after it;
//   wait() orders the compute stream after the sum without blocking the host;
//   destroying an unfinished request does the same. So "complete" means: later
//   compute-stream work sees the sum. The host never reads the buffer directly.
// HOST buffers (checkpoint buffers, metrics, synchronised BatchNorm statistics)
// go to the MPI communicator, blocking and non-blocking alike. Every rank must
// pass the same kind of buffer to a collective (the same code path does).
#pragma once

#include <mpi.h>
#include <nccl.h>

#include <cstdint>
#include <memory>

#include "core/cuda/stream.h"
#include "distributed/communicator.h"
#include "distributed/mpi_communicator.h"

namespace gaplab::cuda {

// One ncclComm_t (RAII). Creating it is collective over the `ranks` processes.
class NcclComm {
 public:
  // On the current CUDA device; every rank passes the same id and its own rank.
  NcclComm(int ranks, const ncclUniqueId& id, int rank);
  // ncclCommDestroy, or ncclCommAbort after markFailed() (a failed collective).
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;
  ncclComm_t get() const { return comm_; }
  // Makes the destructor abort outstanding operations instead of waiting for them.
  void markFailed() { aborting_ = true; }

 private:
  ncclComm_t comm_ = nullptr;
  bool aborting_ = false;
};

// Completion of one NCCL sum: an event on the communication stream.
class NcclRequest final : public CollectiveRequest {
 public:
  explicit NcclRequest(std::unique_ptr<CudaEvent> done) : done_(std::move(done)) {}
  ~NcclRequest() override;  // orders the compute stream after the sum (never throws)
  NcclRequest(const NcclRequest&) = delete;
  NcclRequest& operator=(const NcclRequest&) = delete;
  bool test() override;  // cudaEventQuery; once true, the compute stream is ordered after the sum
  void wait() override;  // the compute stream waits for the sum; the host does not block

 private:
  std::unique_ptr<CudaEvent> done_;
  bool complete_ = false;
};

class NcclCommunicator final : public Communicator {
 public:
  // Collective over `group` (every rank calls it). Duplicates `group` for the
  // host-side collectives. The rank's CUDA device must already be selected
  // (selectCudaDevice) and no other rank of the group may use the same GPU;
  // makeTrialCommunicator (distributed/trial_communicator.h) checks both.
  explicit NcclCommunicator(MPI_Comm group);
  // Waits for the communication stream, then destroys the NCCL communicator.
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return mpi_.rank(); }
  int size() const override { return mpi_.size(); }
  // Device buffer: ncclAllReduce in stream order (see the file comment); host buffer: MPI_Allreduce.
  void allReduceSum(float* data, int64_t count) override;
  // Device buffer: an NcclRequest; host buffer: the MPI communicator's MpiRequest.
  std::unique_ptr<CollectiveRequest> startAllReduceSum(float* data, int64_t count) override;
  double allReduceMax(double value) override { return mpi_.allReduceMax(value); }
  double allReduceSum(double value) override { return mpi_.allReduceSum(value); }
  // MPI_Barrier of the host processes; device work still queued is not waited for.
  void barrier() override { mpi_.barrier(); }

  cudaStream_t communicationStream() const { return stream_.get(); }
  MpiCommunicator& mpi() { return mpi_; }

 private:
  // Enqueues the sum on the communication stream after the compute stream's
  // work so far; returns the event recorded after it.
  std::unique_ptr<CudaEvent> enqueueSum(float* data, int64_t count);

  MpiCommunicator mpi_;
  CudaStream stream_;
  CudaEvent computeReady_;  // re-recorded for every sum; each wait takes the latest record
  std::unique_ptr<NcclComm> comm_;
};

}  // namespace gaplab::cuda
