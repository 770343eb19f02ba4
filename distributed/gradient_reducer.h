// distributed/gradient_reducer.h — data-parallel gradient averaging in buckets
// that start while backward still runs.
//
// Why (DESIGN.md "Distributed"): one all-reduce after backward leaves the
// network idle while backward computes. The arena's flat gradient buffer is cut
// into contiguous buckets of about bucketBytes, in reverse layout order (the
// last layers' gradients are final first). Tape::backward reports each
// parameter as soon as its gradient is final (core/autograd/gradient_ready.h);
// a bucket whose parameters are all ready starts a non-blocking sum, and every
// report polls the ones in flight so that MPI progresses them during backward.
//
// Determinism: buckets start strictly in bucket order (the same on every rank,
// as MPI requires of non-blocking collectives) and finish() completes them in
// that order, so for a fixed rank layout and bucket size the averaged gradients
// are the same in every run. Only Communicator is used: NCCL can sit below.
//
// Devices: an arena moved to cuda hands device pointers to the communicator
// (NcclCommunicator sums them on the GPU, HostStagedCommunicator through the
// host; distributed/trial_communicator.h picks one), and the division by the
// number of ranks is a kernel on the compute stream, which a completed request
// has ordered after the sum. After finish() the averaged gradients are final in
// stream order: the optimizer's kernels, enqueued next, read them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/autograd/gradient_ready.h"
#include "core/parameter_arena.h"
#include "distributed/communicator.h"

namespace gaplab {

// Parameters [firstParam, lastParam] of the arena; gradient floats [offset, offset + count).
struct GradientBucket {
  int firstParam = 0;
  int lastParam = 0;
  int64_t offset = 0;
  int64_t count = 0;
};

// What finish() leaves in the gradient buffer: the mean over ranks (training)
// or the plain sum (to compare with a bare all-reduce, as the benchmark does).
enum class BucketReduction { kAverage, kSum };

class GradientReducer final : public GradientReadyObserver {
 public:
  static constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;  // as PyTorch DDP's bucket_cap_mb

  // The arena must be allocated; both must outlive the reducer. A bucket is
  // closed once it holds >= bucketBytes (a larger parameter is a bucket alone).
  GradientReducer(ParameterArena& arena, Communicator& comm, int64_t bucketBytes = kDefaultBucketBytes,
                  BucketReduction reduction = BucketReduction::kAverage);
  ~GradientReducer() override;
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // GradientReadyObserver: marks the parameter ready, starts the buckets that
  // became complete (in bucket order) and polls the ones in flight.
  const ParameterArena& observedArena() const override { return arena_; }
  void onParameterGradientReady(int paramIndex) override;

  // Treats every parameter not reported yet as ready, completes all buckets in
  // bucket order, divides the sums by the number of ranks (kAverage), and
  // rearms for the next backward. Afterwards the arena holds the averaged gradients.
  void finish();

  // Seconds spent inside the reducer's communication calls (start, test, wait,
  // and the division by the ranks) since the previous call.
  double takeCommunicationSeconds();

  const std::vector<GradientBucket>& buckets() const { return buckets_; }
  // Buckets whose sum was started in this backward (all of them after finish() until it rearms).
  std::size_t bucketsStarted() const { return nextToStart_; }
  int64_t bucketBytes() const { return bucketBytes_; }

 private:
  void markReady(int paramIndex);
  void startReadyBuckets();
  void poll();
  void scale(const GradientBucket& bucket);

  ParameterArena& arena_;
  Communicator& comm_;
  int64_t bucketBytes_;
  BucketReduction reduction_;
  std::vector<GradientBucket> buckets_;  // bucket 0 holds the end of the layout
  std::vector<int> bucketOf_;            // per parameter
  std::vector<char> ready_;              // per parameter, this backward
  std::vector<int> missing_;             // per bucket: parameters not ready yet
  std::vector<std::unique_ptr<CollectiveRequest>> requests_;  // per bucket; null until started
  std::size_t nextToStart_ = 0;          // buckets [0, nextToStart_) are started
  std::size_t nextToComplete_ = 0;       // buckets [0, nextToComplete_) are summed and scaled
  double communicationSeconds_ = 0.0;
};

}  // namespace gaplab
