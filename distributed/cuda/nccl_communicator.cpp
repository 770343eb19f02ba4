// distributed/cuda/nccl_communicator.cpp — see nccl_communicator.h. Empty in a
// CUDA build without NCCL (cmake/GaplabCuda.cmake: GAPLAB_HAVE_NCCL).
#if GAPLAB_HAVE_NCCL
#include "distributed/cuda/nccl_communicator.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/cuda/cuda_check.h"
#include "distributed/cuda/device_identity.h"
#include "distributed/cuda/nccl_check.h"
#include "distributed/message_channel.h"

namespace gaplab::cuda {
namespace {

using Clock = std::chrono::steady_clock;

// Longest sleep between two looks at an unfinished sum: short enough that a
// finished sum is noticed within half a millisecond, long enough that a
// waiting host uses no measurable CPU (Backoff starts at 20 us and doubles).
constexpr std::chrono::microseconds kMaxPollSleep{500};

Clock::time_point deadlineAfter(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::string secondsText(double seconds) {
  const double whole = std::round(seconds);
  return whole == seconds ? std::to_string(static_cast<long long>(whole)) : std::to_string(seconds);
}

// ncclCommGetAsyncError until the state is no longer ncclInProgress or the
// deadline passes (then ncclInProgress); the call's own failure is returned as is.
ncclResult_t pollUntilSettled(ncclComm_t comm, Clock::time_point deadline) {
  Backoff backoff(kMaxPollSleep);
  for (;;) {
    ncclResult_t state = ncclSuccess;
    const ncclResult_t call = ncclCommGetAsyncError(comm, &state);
    if (call != ncclSuccess) return call;
    if (state != ncclInProgress || Clock::now() >= deadline) return state;
    backoff.wait();
  }
}

// One look at a sum: true once `done` has completed. Throws (aborting `comm`)
// when the communicator was aborted or reports an error, when CUDA reports an
// error, or when `deadline` has passed.
bool sumFinished(const CudaEvent& done, NcclComm& comm, Clock::time_point deadline, double timeoutSeconds) {
  if (comm.aborted())
    throw CudaError("NcclCommunicator: the NCCL communicator of group rank " + std::to_string(comm.rank()) +
                    " was aborted after an earlier failure; its sums are lost");
  const cudaError_t status = cudaEventQuery(done.get());
  if (status == cudaSuccess) return true;
  if (status != cudaErrorNotReady) {
    comm.abortCommunicator();
    GAPLAB_CUDA_CHECK(status);
  }
  comm.throwIfFailed("an all-reduce");
  if (Clock::now() >= deadline) {
    comm.abortCommunicator();
    throw CudaError("NcclCommunicator: an NCCL all-reduce on group rank " + std::to_string(comm.rank()) +
                    " did not finish within " + secondsText(timeoutSeconds) + " s (" + kNcclTimeoutVariable +
                    "); a peer rank may have died or stopped; the NCCL communicator was aborted");
  }
  return false;
}

// Polls `done` (see sumFinished) with back-off sleeps until it has completed.
void waitForSum(const CudaEvent& done, NcclComm& comm, Clock::time_point deadline, double timeoutSeconds) {
  Backoff backoff(kMaxPollSleep);
  while (!sumFinished(done, comm, deadline, timeoutSeconds)) backoff.wait();
}

// Every rank says whether its step succeeded; the group ranks that did not,
// the same list on every rank (an MPI collective over `mpi`).
std::vector<int> ranksThatFailed(const MpiCommunicator& mpi, bool ok) {
  int mine = ok ? 0 : 1;
  std::vector<int> all(static_cast<std::size_t>(mpi.size()));
  GAPLAB_MPI_CHECK(MPI_Allgather(&mine, 1, MPI_INT, all.data(), 1, MPI_INT, mpi.handle()));
  std::vector<int> failed;
  for (std::size_t r = 0; r < all.size(); ++r)
    if (all[r] != 0) failed.push_back(static_cast<int>(r));
  return failed;
}

// "NcclCommunicator: <step> failed on group rank(s) 0, 2 of 4; on group rank 2: <error>".
std::string agreementFailure(const std::string& step, const std::vector<int>& failed, int size, int rank,
                             const std::string& localError) {
  std::string ranks;
  for (int r : failed) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  return "NcclCommunicator: " + step + " failed on group rank(s) " + ranks + " of " + std::to_string(size) +
         (localError.empty() ? "; see their errors" : "; on group rank " + std::to_string(rank) + ": " + localError);
}

}  // namespace

// ---- NcclComm -------------------------------------------------------------------

void NcclComm::Aborter::operator()(ncclComm* comm) const noexcept {
  // Non-blocking communicator: the abort may finish in NCCL's own thread.
  if (comm != nullptr) ncclCommAbort(comm);
}

NcclComm::NcclComm(int ranks, const ncclUniqueId& id, int rank, double timeoutSeconds) : rank_(rank) {
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // never block inside NCCL: set-up and sums are polled, with a timeout
  ncclComm_t comm = nullptr;
  const ncclResult_t started = ncclCommInitRankConfig(&comm, ranks, id, rank, &config);
  handle_.reset(comm);  // from here on a throw aborts it (the member's deleter)
  if (started != ncclSuccess && started != ncclInProgress) {
    abortCommunicator();
    throwNcclError(started, "ncclCommInitRankConfig(&comm, ranks, id, rank, &config)", __FILE__, __LINE__);
  }
  if (!handle_) throw CudaError("NcclCommunicator: ncclCommInitRankConfig returned no communicator");
  const ncclResult_t state = pollUntilSettled(handle_.get(), deadlineAfter(timeoutSeconds));
  if (state == ncclInProgress) {
    abortCommunicator();
    throw std::runtime_error("NcclCommunicator: group rank " + std::to_string(rank) + " of " + std::to_string(ranks) +
                             ": NCCL set-up (ncclCommInitRankConfig) did not finish within " +
                             secondsText(timeoutSeconds) +
                             " s; another rank may have failed before joining; the NCCL communicator was aborted");
  }
  if (state != ncclSuccess) {
    abortCommunicator();
    throwNcclError(state, "ncclCommInitRankConfig (polled with ncclCommGetAsyncError)", __FILE__, __LINE__);
  }
}

NcclComm::~NcclComm() {
  if (!handle_) return;
  // Healthy: flush (finalize, bounded), then free locally; anything else leaves
  // the handle to its deleter, which aborts. No throw from a destructor.
  ncclComm_t comm = handle_.get();
  ncclResult_t state = ncclCommFinalize(comm);
  if (state == ncclInProgress) state = pollUntilSettled(comm, deadlineAfter(kNcclFinalizeTimeoutSeconds));
  if (state == ncclSuccess) {
    handle_.release();
    ncclCommDestroy(comm);
  }
}

void NcclComm::throwIfFailed(const char* what) {
  if (!handle_) return;
  ncclResult_t state = ncclSuccess;
  const ncclResult_t call = ncclCommGetAsyncError(handle_.get(), &state);
  const ncclResult_t failure = call != ncclSuccess ? call : state;
  if (failure == ncclSuccess || failure == ncclInProgress) return;
  const char* detail = ncclGetLastError(handle_.get());
  std::string message = "NcclCommunicator: NCCL reported an error during " + std::string(what) + " on group rank " +
                        std::to_string(rank_) + ": " + ncclGetErrorString(failure) + " (" +
                        std::to_string(static_cast<int>(failure)) + ")";
  if (detail != nullptr && detail[0] != '\0') message += ": " + std::string(detail);
  abortCommunicator();
  throw CudaError(message + "; the NCCL communicator was aborted");
}

// ---- NcclRequest ----------------------------------------------------------------

NcclRequest::NcclRequest(std::unique_ptr<CudaEvent> done, std::shared_ptr<NcclComm> comm, double timeoutSeconds)
    : done_(std::move(done)), comm_(std::move(comm)), deadline_(deadlineAfter(timeoutSeconds)),
      timeoutSeconds_(timeoutSeconds) {}

NcclRequest::~NcclRequest() {
  if (complete_) return;
  // A request never outlives its data: later compute-stream work (including the
  // allocator handing the buffer to a new owner) comes after the sum. After an
  // abort the sum's kernel has been stopped, so the event still completes.
  cudaStreamWaitEvent(computeStream(), done_->get(), 0);
}

bool NcclRequest::test() {
  if (complete_) return true;
  if (!sumFinished(*done_, *comm_, deadline_, timeoutSeconds_)) return false;
  done_->makeWait(computeStream());  // already complete: costs nothing, keeps the ordering explicit
  complete_ = true;
  return true;
}

void NcclRequest::wait() {
  if (complete_) return;
  waitForSum(*done_, *comm_, deadline_, timeoutSeconds_);
  done_->makeWait(computeStream());
  complete_ = true;
}

// ---- NcclCommunicator -----------------------------------------------------------

namespace {

// What group rank 0 broadcasts once every rank is ready: the unique id.
struct IdMessage {
  ncclUniqueId id{};
};

}  // namespace

NcclCommunicator::NcclCommunicator(MPI_Comm group) : mpi_(group) {
  // 1. Every fallible local step, before any collective that could strand the others.
  IdMessage message;
  std::string localError;
  try {
    timeoutSeconds_ = ncclTimeoutSecondsFromEnvironment();
    int device = -1;
    GAPLAB_CUDA_CHECK(cudaGetDevice(&device));
    (void)computeStream();  // made on first use: make it now, where a failure is agreed on
    stream_ = std::make_unique<CudaStream>();
    computeReady_ = std::make_unique<CudaEvent>();
    if (mpi_.rank() == 0) GAPLAB_NCCL_CHECK(ncclGetUniqueId(&message.id));
  } catch (const std::exception& e) {
    localError = e.what();
  }
  // 2. Agree that every rank got there; only then broadcast the id.
  const std::vector<int> notReady = ranksThatFailed(mpi_, localError.empty());
  if (!notReady.empty())
    throw CudaError(agreementFailure("preparing NCCL (stream, device, " + std::string(kNcclTimeoutVariable) +
                                         ", unique id on rank 0)",
                                     notReady, mpi_.size(), mpi_.rank(), localError));
  GAPLAB_MPI_CHECK(MPI_Bcast(&message, static_cast<int>(sizeof message), MPI_BYTE, 0, mpi_.handle()));
  // 3. Non-blocking set-up, polled with a timeout (NcclComm); then agree that every rank succeeded.
  std::string initError;
  try {
    comm_ = std::make_shared<NcclComm>(mpi_.size(), message.id, mpi_.rank(), kNcclInitTimeoutSeconds);
  } catch (const std::exception& e) {
    initError = e.what();
  }
  const std::vector<int> failed = ranksThatFailed(mpi_, initError.empty());
  if (!failed.empty()) {
    if (comm_) comm_->abortCommunicator();  // its peers' halves are gone: never wait for them
    comm_.reset();
    throw CudaError(agreementFailure("NCCL set-up (ncclCommInitRankConfig)", failed, mpi_.size(), mpi_.rank(),
                                     initError));
  }
}

NcclCommunicator::~NcclCommunicator() {
  // Sums still in flight finish before the communicator goes, within the
  // timeout; otherwise it is aborted (never throws, never hangs).
  if (!comm_ || comm_->aborted() || !stream_) return;
  try {
    CudaEvent drained;
    drained.record(stream_->get());
    waitForSum(drained, *comm_, deadlineAfter(timeoutSeconds_), timeoutSeconds_);
  } catch (const std::exception&) {
    cudaGetLastError();
    comm_->abortCommunicator();
  }
}

std::unique_ptr<CudaEvent> NcclCommunicator::enqueueSum(float* data, int64_t count) {
  if (comm_->aborted())
    throw CudaError("NcclCommunicator: the NCCL communicator of group rank " + std::to_string(mpi_.rank()) +
                    " was aborted after an earlier failure; no more sums");
  // The sum reads what the compute stream has written so far.
  computeReady_->record(computeStream());
  computeReady_->makeWait(stream_->get());
  const ncclResult_t enqueued = ncclAllReduce(data, data, static_cast<std::size_t>(count), ncclFloat, ncclSum,
                                              comm_->get(), stream_->get());
  if (enqueued == ncclInProgress) {
    // Non-blocking communicator: the sum is being enqueued; nothing else may go
    // on its stream until the state is ncclSuccess.
    const ncclResult_t state = pollUntilSettled(comm_->get(), deadlineAfter(timeoutSeconds_));
    if (state == ncclInProgress) {
      comm_->abortCommunicator();
      throw CudaError("NcclCommunicator: enqueueing an NCCL all-reduce on group rank " + std::to_string(mpi_.rank()) +
                      " did not finish within " + secondsText(timeoutSeconds_) + " s (" + kNcclTimeoutVariable +
                      "); the NCCL communicator was aborted");
    }
    if (state != ncclSuccess) {
      comm_->abortCommunicator();  // the peers' halves of this collective will never be matched
      throwNcclError(state, "ncclAllReduce (polled with ncclCommGetAsyncError)", __FILE__, __LINE__);
    }
  } else if (enqueued != ncclSuccess) {
    comm_->abortCommunicator();
    throwNcclError(enqueued, "ncclAllReduce(data, data, count, ncclFloat, ncclSum, comm, stream)", __FILE__, __LINE__);
  }
  auto done = std::make_unique<CudaEvent>();
  done->record(stream_->get());
  return done;
}

void NcclCommunicator::allReduceSum(float* data, int64_t count) {
  if (count < 0) throw std::invalid_argument("NcclCommunicator::allReduceSum: negative count " + std::to_string(count));
  if (count == 0) return;
  if (!isDevicePointer(data)) {
    mpi_.allReduceSum(data, count);
    return;
  }
  const auto deadline = deadlineAfter(timeoutSeconds_);
  const std::unique_ptr<CudaEvent> done = enqueueSum(data, count);
  waitForSum(*done, *comm_, deadline, timeoutSeconds_);
  done->makeWait(computeStream());  // already complete: keeps the ordering explicit
}

std::unique_ptr<CollectiveRequest> NcclCommunicator::startAllReduceSum(float* data, int64_t count) {
  if (count < 0)
    throw std::invalid_argument("NcclCommunicator::startAllReduceSum: negative count " + std::to_string(count));
  if (count == 0) return std::make_unique<CompletedRequest>();
  if (!isDevicePointer(data)) return mpi_.startAllReduceSum(data, count);
  auto done = enqueueSum(data, count);
  return std::make_unique<NcclRequest>(std::move(done), comm_, timeoutSeconds_);
}

}  // namespace gaplab::cuda
#endif  // GAPLAB_HAVE_NCCL
