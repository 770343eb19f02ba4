// distributed/message_channel.cpp — see message_channel.h.
#include "distributed/message_channel.h"

#include <cstdint>
#include <thread>

namespace gaplab {

void Backoff::wait() {
  std::this_thread::sleep_for(current_);
  current_ = std::min(current_ * 2, max_);
}

MessageChannel::MessageChannel(MPI_Comm comm) {
  GAPLAB_MPI_CHECK(MPI_Comm_dup(comm, &comm_));
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  GAPLAB_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  GAPLAB_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

MessageChannel::~MessageChannel() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MessageChannel::send(int destination, int tag, const std::string& body) {
  if (body.size() > static_cast<std::size_t>(INT32_MAX))
    throw std::runtime_error("MessageChannel::send: message of " + std::to_string(body.size()) + " bytes is too large");
  GAPLAB_MPI_CHECK(MPI_Send(body.data(), static_cast<int>(body.size()), MPI_CHAR, destination, tag, comm_));
}

std::optional<Message> MessageChannel::poll(int source) {
  int flag = 0;
  MPI_Status status;
  GAPLAB_MPI_CHECK(MPI_Iprobe(source, MPI_ANY_TAG, comm_, &flag, &status));
  if (!flag) return std::nullopt;
  int count = 0;
  GAPLAB_MPI_CHECK(MPI_Get_count(&status, MPI_CHAR, &count));
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = status.MPI_TAG;
  m.body.resize(static_cast<std::size_t>(count));
  GAPLAB_MPI_CHECK(MPI_Recv(m.body.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, comm_, MPI_STATUS_IGNORE));
  return m;
}

Message MessageChannel::wait(int source) {
  Backoff backoff;
  for (;;) {
    if (std::optional<Message> m = poll(source)) return std::move(*m);
    backoff.wait();
  }
}

namespace {
void waitFor(MPI_Request& request) {
  Backoff backoff;
  for (;;) {
    int done = 0;
    GAPLAB_MPI_CHECK(MPI_Test(&request, &done, MPI_STATUS_IGNORE));
    if (done) return;
    backoff.wait();
  }
}
}  // namespace

void broadcastText(MpiCommunicator& comm, std::string& text, int root) {
  if (comm.size() == 1) return;
  int64_t size = static_cast<int64_t>(text.size());
  MPI_Request request = MPI_REQUEST_NULL;
  GAPLAB_MPI_CHECK(MPI_Ibcast(&size, 1, MPI_INT64_T, root, comm.handle(), &request));
  waitFor(request);
  text.resize(static_cast<std::size_t>(size));
  if (size == 0) return;
  GAPLAB_MPI_CHECK(MPI_Ibcast(text.data(), static_cast<int>(size), MPI_CHAR, root, comm.handle(), &request));
  waitFor(request);
}

}  // namespace gaplab
