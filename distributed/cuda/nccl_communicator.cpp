// distributed/cuda/nccl_communicator.cpp — see nccl_communicator.h. Empty in a
// CUDA build without NCCL (cmake/GaplabCuda.cmake: GAPLAB_HAVE_NCCL).
#if GAPLAB_HAVE_NCCL
#include "distributed/cuda/nccl_communicator.h"

#include <stdexcept>
#include <string>

#include "core/cuda/cuda_check.h"
#include "distributed/cuda/device_identity.h"
#include "distributed/cuda/nccl_check.h"

namespace gaplab::cuda {

NcclComm::NcclComm(int ranks, const ncclUniqueId& id, int rank) {
  GAPLAB_NCCL_CHECK(ncclCommInitRank(&comm_, ranks, id, rank));
}

NcclComm::~NcclComm() {
  if (comm_ == nullptr) return;
  // No throw from a destructor: a failure here leaves nothing to clean up for the caller.
  if (aborting_) ncclCommAbort(comm_);
  else ncclCommDestroy(comm_);
}

NcclRequest::~NcclRequest() {
  if (complete_) return;
  // A request never outlives its data: later compute-stream work (including the
  // allocator handing the buffer to a new owner) comes after the sum.
  cudaStreamWaitEvent(computeStream(), done_->get(), 0);
}

bool NcclRequest::test() {
  if (complete_) return true;
  if (!done_->completed()) return false;
  done_->makeWait(computeStream());  // already complete: costs nothing, keeps the ordering explicit
  complete_ = true;
  return true;
}

void NcclRequest::wait() {
  if (complete_) return;
  done_->makeWait(computeStream());
  complete_ = true;
}

namespace {

// What group rank 0 broadcasts: whether it could make an id, and the id.
struct IdMessage {
  int ok = 0;
  ncclUniqueId id{};
};

}  // namespace

NcclCommunicator::NcclCommunicator(MPI_Comm group) : mpi_(group) {
  // Rank 0 makes the id; a failure there must not leave the others waiting in the broadcast.
  IdMessage message;
  std::string rootError;
  if (mpi_.rank() == 0) {
    try {
      GAPLAB_NCCL_CHECK(ncclGetUniqueId(&message.id));
      message.ok = 1;
    } catch (const std::exception& e) {
      rootError = e.what();
    }
  }
  GAPLAB_MPI_CHECK(MPI_Bcast(&message, static_cast<int>(sizeof message), MPI_BYTE, 0, mpi_.handle()));
  if (!message.ok)
    throw CudaError("NcclCommunicator: group rank 0 could not create the NCCL unique id" +
                    (rootError.empty() ? std::string() : ": " + rootError));
  // ncclCommInitRank is collective; every rank then agrees on whether all of them succeeded.
  std::string initError;
  try {
    comm_ = std::make_unique<NcclComm>(mpi_.size(), message.id, mpi_.rank());
  } catch (const std::exception& e) {
    initError = e.what();
  }
  const double failedRanks = mpi_.allReduceSum(initError.empty() ? 0.0 : 1.0);
  if (failedRanks > 0.0) {
    if (comm_) comm_->markFailed();
    comm_.reset();
    throw CudaError("NcclCommunicator: ncclCommInitRank failed on " + std::to_string(static_cast<int>(failedRanks)) +
                    " of " + std::to_string(mpi_.size()) + " rank(s)" +
                    (initError.empty() ? std::string() : "; on group rank " + std::to_string(mpi_.rank()) + ": " + initError));
  }
}

NcclCommunicator::~NcclCommunicator() {
  // Sums still in flight finish before the communicator goes (never throws).
  if (stream_.get() != nullptr && cudaStreamSynchronize(stream_.get()) != cudaSuccess) {
    cudaGetLastError();
    if (comm_) comm_->markFailed();
  }
}

std::unique_ptr<CudaEvent> NcclCommunicator::enqueueSum(float* data, int64_t count) {
  // The sum reads what the compute stream has written so far.
  computeReady_.record(computeStream());
  computeReady_.makeWait(stream_.get());
  try {
    GAPLAB_NCCL_CHECK(ncclAllReduce(data, data, static_cast<std::size_t>(count), ncclFloat, ncclSum, comm_->get(),
                                    stream_.get()));
  } catch (...) {
    comm_->markFailed();  // the peers' halves of this collective will never be matched
    throw;
  }
  auto done = std::make_unique<CudaEvent>();
  done->record(stream_.get());
  return done;
}

void NcclCommunicator::allReduceSum(float* data, int64_t count) {
  if (count < 0) throw std::invalid_argument("NcclCommunicator::allReduceSum: negative count " + std::to_string(count));
  if (count == 0) return;
  if (!isDevicePointer(data)) {
    mpi_.allReduceSum(data, count);
    return;
  }
  enqueueSum(data, count)->makeWait(computeStream());
}

std::unique_ptr<CollectiveRequest> NcclCommunicator::startAllReduceSum(float* data, int64_t count) {
  if (count < 0)
    throw std::invalid_argument("NcclCommunicator::startAllReduceSum: negative count " + std::to_string(count));
  if (count == 0) return std::make_unique<CompletedRequest>();
  if (!isDevicePointer(data)) return mpi_.startAllReduceSum(data, count);
  return std::make_unique<NcclRequest>(enqueueSum(data, count));
}

}  // namespace gaplab::cuda
#endif  // GAPLAB_HAVE_NCCL
