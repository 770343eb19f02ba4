// distributed/gradient_reducer.cpp — bucket layout, readiness bookkeeping and
// the non-blocking sums; see gradient_reducer.h.
#include "distributed/gradient_reducer.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#if GAPLAB_HAVE_CUDA
#include "core/cuda/kernels/elementwise_kernels.h"
#endif

namespace gaplab {
namespace {

using Clock = std::chrono::steady_clock;

// Adds the time of one scope to a running total (also on exceptions).
class ScopedSeconds {
 public:
  explicit ScopedSeconds(double& total) : total_(total), start_(Clock::now()) {}
  ~ScopedSeconds() { total_ += std::chrono::duration<double>(Clock::now() - start_).count(); }
  ScopedSeconds(const ScopedSeconds&) = delete;
  ScopedSeconds& operator=(const ScopedSeconds&) = delete;

 private:
  double& total_;
  Clock::time_point start_;
};

}  // namespace

GradientReducer::GradientReducer(ParameterArena& arena, Communicator& comm, int64_t bucketBytes,
                                 BucketReduction reduction)
    : arena_(arena), comm_(comm), bucketBytes_(bucketBytes), reduction_(reduction) {
  if (!arena.allocated()) throw std::logic_error("GradientReducer: the parameter arena is not allocated yet");
  if (bucketBytes <= 0)
    throw std::invalid_argument("GradientReducer: bucket size must be positive, got " + std::to_string(bucketBytes) +
                                " bytes");
  const int params = static_cast<int>(arena.params().size());
  bucketOf_.assign(static_cast<std::size_t>(params), -1);
  // Walk the layout backwards; close a bucket once it holds >= bucketBytes.
  int64_t end = arena.size();  // the last bucket also covers any tail of the buffer
  int last = params - 1;
  for (int p = params - 1; p >= 0; --p) {
    const int64_t offset = arena.param(p).offset;
    bucketOf_[static_cast<std::size_t>(p)] = static_cast<int>(buckets_.size());
    if ((end - offset) * static_cast<int64_t>(sizeof(float)) >= bucketBytes || p == 0) {
      buckets_.push_back({p, last, offset, end - offset});
      end = offset;
      last = p - 1;
    }
  }
  ready_.assign(static_cast<std::size_t>(params), 0);
  missing_.resize(buckets_.size());
  for (std::size_t b = 0; b < buckets_.size(); ++b) missing_[b] = buckets_[b].lastParam - buckets_[b].firstParam + 1;
  requests_.resize(buckets_.size());
}

GradientReducer::~GradientReducer() = default;  // requests in flight wait in their destructors

void GradientReducer::onParameterGradientReady(int paramIndex) {
  markReady(paramIndex);
  ScopedSeconds timed(communicationSeconds_);
  startReadyBuckets();
  poll();
}

void GradientReducer::markReady(int paramIndex) {
  if (paramIndex < 0 || paramIndex >= static_cast<int>(ready_.size()))
    throw std::out_of_range("GradientReducer: parameter index " + std::to_string(paramIndex) + " outside the arena's " +
                            std::to_string(ready_.size()) + " parameters");
  char& ready = ready_[static_cast<std::size_t>(paramIndex)];
  if (ready)
    throw std::logic_error("GradientReducer: parameter '" + arena_.param(paramIndex).name +
                           "' reported ready twice in one backward");
  ready = 1;
  --missing_[static_cast<std::size_t>(bucketOf_[static_cast<std::size_t>(paramIndex)])];
}

void GradientReducer::startReadyBuckets() {
  // In bucket order only, so that every rank starts the same sequence of collectives.
  while (nextToStart_ < buckets_.size() && missing_[nextToStart_] == 0) {
    const GradientBucket& b = buckets_[nextToStart_];
    requests_[nextToStart_] = comm_.startAllReduceSum(arena_.grads() + b.offset, b.count);
    ++nextToStart_;
  }
}

void GradientReducer::poll() {
  // One test progresses every collective in flight; finished buckets are scaled right away.
  while (nextToComplete_ < nextToStart_ && requests_[nextToComplete_]->test()) {
    requests_[nextToComplete_].reset();
    scale(buckets_[nextToComplete_]);
    ++nextToComplete_;
  }
}

void GradientReducer::scale(const GradientBucket& bucket) {
  if (reduction_ == BucketReduction::kSum || comm_.size() == 1) return;
  const float inv = 1.0f / static_cast<float>(comm_.size());
  float* g = arena_.grads() + bucket.offset;
#if GAPLAB_HAVE_CUDA
  if (arena_.device() == Device::kCuda) {
    // On the compute stream, which the completed request has ordered after the sum.
    cuda::launchScale(g, inv, g, bucket.count);
    return;
  }
#endif
  for (int64_t i = 0; i < bucket.count; ++i) g[i] *= inv;
}

void GradientReducer::finish() {
  for (int p = static_cast<int>(ready_.size()) - 1; p >= 0; --p)
    if (!ready_[static_cast<std::size_t>(p)]) markReady(p);
  ScopedSeconds timed(communicationSeconds_);
  startReadyBuckets();
  for (; nextToComplete_ < buckets_.size(); ++nextToComplete_) {
    requests_[nextToComplete_]->wait();
    requests_[nextToComplete_].reset();
    scale(buckets_[nextToComplete_]);
  }
  // Rearm for the next backward.
  std::fill(ready_.begin(), ready_.end(), 0);
  for (std::size_t b = 0; b < buckets_.size(); ++b) missing_[b] = buckets_[b].lastParam - buckets_[b].firstParam + 1;
  nextToStart_ = 0;
  nextToComplete_ = 0;
}

double GradientReducer::takeCommunicationSeconds() {
  const double s = communicationSeconds_;
  communicationSeconds_ = 0.0;
  return s;
}

}  // namespace gaplab
