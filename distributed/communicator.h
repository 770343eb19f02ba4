// distributed/communicator.h — the collectives a trial's ranks need.
//
// Why: the trainer averages gradients and takes the maximum of timings over the
// ranks of one trial without knowing whether MPI, NCCL or nothing sits below.
// LocalCommunicator is the one-rank case; the MPI and NCCL implementations land
// with the Distributed issue behind this same interface. Non-blocking sums
// (startAllReduceSum) let the gradient reducer overlap communication with backward.
#pragma once

#include <cstdint>
#include <memory>

#include "core/rank_sum.h"

namespace gaplab {

// A collective in flight. The buffer it was started on must stay untouched
// until it completes. Destroying an unfinished request waits for it, so a
// request never outlives its data (every rank must have started it too).
// On a device buffer (distributed/cuda/) "complete" is in stream order: once
// test() is true or wait() returned, every later operation on the compute
// stream sees the sum; the host itself may not have waited.
class CollectiveRequest {
 public:
  virtual ~CollectiveRequest() = default;
  // Progresses the collective; true once it is complete (then the data is final).
  virtual bool test() = 0;
  // Blocks until the collective is complete.
  virtual void wait() = 0;
};

// A request that was complete when it was made (blocking fallback, one rank).
class CompletedRequest final : public CollectiveRequest {
 public:
  bool test() override { return true; }
  void wait() override {}
};

class Communicator : public RankSum {
 public:
  ~Communicator() override = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In-place sum over ranks of `count` floats, in a fixed reduction order.
  // Host memory everywhere; the CUDA communicators (distributed/cuda/) also take
  // device memory, and every rank passes the same kind.
  virtual void allReduceSum(float* data, int64_t count) = 0;
  // Starts the same in-place sum without blocking. Every rank must start its
  // non-blocking collectives in the same order. The default is the blocking
  // sum and a completed request (correct, but without overlap).
  virtual std::unique_ptr<CollectiveRequest> startAllReduceSum(float* data, int64_t count) {
    allReduceSum(data, count);
    return std::make_unique<CompletedRequest>();
  }
  virtual double allReduceMax(double value) = 0;
  virtual double allReduceSum(double value) = 0;
  virtual void barrier() = 0;

  // RankSum, for collectives inside core ops (synchronised BatchNorm).
  int ranks() const override { return size(); }
  void sumInPlace(float* data, int64_t count) override { allReduceSum(data, count); }
};

// A single rank: every collective is the identity.
class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allReduceSum(float*, int64_t) override {}
  double allReduceMax(double value) override { return value; }
  double allReduceSum(double value) override { return value; }
  void barrier() override {}
};

}  // namespace gaplab
