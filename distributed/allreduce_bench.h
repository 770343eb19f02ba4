// distributed/allreduce_bench.h — `gaplab bench --allreduce`: bus bandwidth of
// one plain all-reduce against the bucketed gradient reducer, per message size.
//
// Why: the bucketed reducer must not cost bandwidth against one big all-reduce
// (target: >= 0.9x at >= 1 MiB). The numbers follow the NCCL-tests definition
// (algbw = bytes / time, busbw = algbw * 2(n-1)/n) so they compare across rank
// counts and against nccl-tests and PyTorch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "distributed/communicator.h"
#include "distributed/gradient_reducer.h"

namespace gaplab {

struct AllReduceBenchOptions {
  int64_t minBytes = int64_t{1} << 10;  // sizes minBytes, 4x, 16x, ... up to maxBytes
  int64_t maxBytes = int64_t{64} << 20;
  int64_t bucketBytes = GradientReducer::kDefaultBucketBytes;
  int64_t parameterBytes = int64_t{1} << 20;  // the arena-like buffer's parameters are at most this big
  int warmup = 3;
  int iterations = 20;  // the median is reported
};

struct AllReduceBenchLine {
  std::string name;  // e.g. "allreduce_plain_1MiB"
  double value = 0.0;
  std::string unit;  // "GB/s" or "x"
};

// "1KiB", "4MiB", "1GiB"; other sizes as bytes ("1000B").
std::string byteSizeName(int64_t bytes);

// Bus bandwidth in GB/s (1e9 bytes/s) of an all-reduce of `bytes` over `ranks` that took `seconds`.
double busBandwidthGBs(int64_t bytes, int ranks, double seconds);

// A collective itself: every rank of `comm` must call it. For each size it
// times (a) comm.allReduceSum of the whole buffer and (b) a GradientReducer
// over an arena of the same bytes with every parameter reported ready in
// reverse layout order, then finish(), summing (BucketReduction::kSum, like
// (a)) and averaging (kAverage, as in training); the time of an iteration is
// the maximum over ranks, the median over iterations is reported. `report` is
// called on every rank with the same lines: allreduce_plain_<size>,
// allreduce_bucketed_<size> (GB/s), allreduce_ratio_<size> (x: plain time /
// bucketed time) and allreduce_bucketed_avg_<size> (GB/s).
// Throws std::invalid_argument for a communicator of one rank or bad sizes.
void runAllReduceBenchmark(Communicator& comm, const AllReduceBenchOptions& options,
                           const std::function<void(const AllReduceBenchLine&)>& report);

}  // namespace gaplab
