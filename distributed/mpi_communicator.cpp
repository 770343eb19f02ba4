// distributed/mpi_communicator.cpp — see mpi_communicator.h.
#include "distributed/mpi_communicator.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gaplab {

namespace detail {
void checkMpi(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                           std::string(text, static_cast<std::size_t>(length)));
}
}  // namespace detail

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialized = 0;
  GAPLAB_MPI_CHECK(MPI_Initialized(&initialized));
  if (initialized) throw std::logic_error("MpiSession: MPI is already initialised in this process");
  // Open MPI's libnbc runs an in-place MPI_Iallreduce on fewer than 4 ranks as a
  // binomial reduce + broadcast: half the bandwidth of the blocking MPI_Allreduce
  // (measured with `gaplab bench --allreduce`). Reduce-scatter + allgather
  // (Rabenseifner, algorithm 3; ring below 2^k floats) matches it. Read at MPI
  // init; a setting of the user's (environment, mpirun --mca) wins.
  setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", /*overwrite=*/0);
  int provided = 0;
  GAPLAB_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as codes (checked above), not as aborts of the whole job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool MpiSession::launchedWithSeveralRanks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"}) {
    const char* value = std::getenv(var);
    if (value && std::atoi(value) > 1) return true;
  }
  return false;
}

MpiCommunicator::MpiCommunicator(MPI_Comm comm) {
  GAPLAB_MPI_CHECK(MPI_Comm_dup(comm, &comm_));
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  GAPLAB_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  GAPLAB_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MpiCommunicator::allReduceSum(float* data, int64_t count) {
  // MPI counts are int: reduce in pieces of at most INT_MAX elements.
  for (int64_t done = 0; done < count;) {
    const int piece = static_cast<int>(std::min<int64_t>(count - done, INT_MAX));
    GAPLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data + done, piece, MPI_FLOAT, MPI_SUM, comm_));
    done += piece;
  }
}

std::unique_ptr<CollectiveRequest> MpiCommunicator::startAllReduceSum(float* data, int64_t count) {
  std::vector<MPI_Request> requests;
  try {
    for (int64_t done = 0; done < count;) {
      const int piece = static_cast<int>(std::min<int64_t>(count - done, INT_MAX));
      MPI_Request request = MPI_REQUEST_NULL;
      GAPLAB_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, data + done, piece, MPI_FLOAT, MPI_SUM, comm_, &request));
      requests.push_back(request);
      done += piece;
    }
  } catch (...) {
    MpiRequest started(std::move(requests));  // waits for the pieces already started
    throw;
  }
  return std::make_unique<MpiRequest>(std::move(requests));
}

MpiRequest::~MpiRequest() {
  if (complete_ || requests_.empty()) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
}

bool MpiRequest::test() {
  if (complete_) return true;
  int flag = 0;
  GAPLAB_MPI_CHECK(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &flag, MPI_STATUSES_IGNORE));
  complete_ = flag != 0;
  return complete_;
}

void MpiRequest::wait() {
  if (complete_) return;
  GAPLAB_MPI_CHECK(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
  complete_ = true;
}

double MpiCommunicator::allReduceMax(double value) {
  double out = 0.0;
  GAPLAB_MPI_CHECK(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, comm_));
  return out;
}

double MpiCommunicator::allReduceSum(double value) {
  double out = 0.0;
  GAPLAB_MPI_CHECK(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_SUM, comm_));
  return out;
}

void MpiCommunicator::barrier() { GAPLAB_MPI_CHECK(MPI_Barrier(comm_)); }

}  // namespace gaplab
