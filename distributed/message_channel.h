// distributed/message_channel.h — tagged text messages between ranks, and
// waiting for them without burning a core.
//
// Why (DESIGN.md "Distributed"): Open MPI busy-polls inside a blocking receive,
// so a sweep coordinator waiting for results, or an idle group waiting for its
// next trial, would each eat a core that training needs (this machine has
// two). Waiting here is MPI_Iprobe/MPI_Test with an exponential back-off sleep
// (tens of microseconds when messages flow, milliseconds when idle), which
// keeps dispatch latency low and idle CPU near zero.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include <mpi.h>

#include "distributed/mpi_communicator.h"

namespace gaplab {

// Sleeps a little longer each time nothing happened; reset() after progress.
class Backoff {
 public:
  explicit Backoff(std::chrono::microseconds max = std::chrono::milliseconds(5)) : max_(max) {}
  void wait();
  void reset() { current_ = kMin; }

 private:
  static constexpr std::chrono::microseconds kMin{20};
  std::chrono::microseconds current_ = kMin;
  std::chrono::microseconds max_;
};

struct Message {
  int source = -1;
  int tag = 0;
  std::string body;
};

// Point-to-point messages on a duplicate of `comm` (never mixing with other traffic).
class MessageChannel {
 public:
  explicit MessageChannel(MPI_Comm comm);
  ~MessageChannel();
  MessageChannel(const MessageChannel&) = delete;
  MessageChannel& operator=(const MessageChannel&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  void send(int destination, int tag, const std::string& body);
  // A message that has arrived (from `source`, or any), or nullopt at once.
  std::optional<Message> poll(int source = MPI_ANY_SOURCE);
  // Waits for a message from `source` (or any), sleeping with back-off.
  Message wait(int source = MPI_ANY_SOURCE);

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// MPI_Bcast of a string from `root` of `comm`, waiting with back-off instead of
// busy-polling (the members of an idle group wait here for the next trial).
void broadcastText(MpiCommunicator& comm, std::string& text, int root);

}  // namespace gaplab
